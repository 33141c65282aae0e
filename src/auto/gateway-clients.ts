/**
 * `llmeter run` points the child's SDKs at an ephemeral gateway (OPENAI_BASE_URL and friends) and
 * names it in `LLMETER_GATEWAY_URL`. A Node client created under llmeter/auto with that base URL
 * is metered by the gateway already: instrumenting it too would record every call twice, so
 * llmeter/auto leaves it alone (see docs/decisions/0050-llmeter-run-meters-through-the-gateway.md).
 */
export function sendsThroughGateway(
  client: object,
  gatewayUrl: string | undefined = process.env.LLMETER_GATEWAY_URL,
): boolean {
  if (gatewayUrl === undefined || gatewayUrl === "") return false;
  const baseUrl = clientBaseUrl(client);
  return baseUrl !== undefined && (baseUrl === gatewayUrl || baseUrl.startsWith(`${gatewayUrl}/`));
}

/** `baseURL` of the Stainless SDKs (openai, @anthropic-ai/sdk), `apiClient.getBaseUrl()` of @google/genai. */
function clientBaseUrl(client: object): string | undefined {
  try {
    const stainless = (client as { baseURL?: unknown }).baseURL;
    if (typeof stainless === "string") return stainless;
    const google = (client as { apiClient?: { getBaseUrl?: () => unknown } }).apiClient;
    const url = google?.getBaseUrl?.();
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}
