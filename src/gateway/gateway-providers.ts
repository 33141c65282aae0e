/**
 * The providers the gateway forwards to, by path prefix. A client points its SDK's base URL at
 * `http://<gateway>/<prefix>`; what follows the prefix is appended to the provider's base URL.
 * Base URLs follow each SDK's own convention (OpenAI-compatible ones end in their API version),
 * so `/openai/v1/chat/completions` goes to `https://api.openai.com/v1/chat/completions`.
 */

/** How a provider's requests, responses and streams are read. */
export type WireFormat = "openai" | "anthropic" | "gemini";

export interface GatewayProviderSpec {
  /** The route name, first segment of the path (`/groq/...`). */
  name: string;
  wire: WireFormat;
  /** The path prefix the gateway strips (`/openai/v1`). */
  prefix: string;
  /** Where requests go unless configured otherwise; none for Azure (every resource has its own host). */
  defaultBaseUrl?: string;
  /** The provider name recorded on events (the pricing catalog's spelling). */
  eventProvider: string;
}

/**
 * Default base URLs from each provider's API reference: OpenAI https://platform.openai.com/docs/api-reference,
 * Anthropic https://docs.claude.com/en/api/messages, Gemini https://ai.google.dev/api, Groq
 * https://console.groq.com/docs/openai, DeepSeek https://api-docs.deepseek.com, xAI
 * https://docs.x.ai/docs/api-reference, Mistral https://docs.mistral.ai/api, OpenRouter
 * https://openrouter.ai/docs/api-reference/overview, Ollama https://github.com/ollama/ollama/blob/main/docs/openai.md,
 * vLLM https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (their default ports).
 */
export const GATEWAY_PROVIDERS: readonly GatewayProviderSpec[] = [
  {
    name: "openai",
    wire: "openai",
    prefix: "/openai/v1",
    defaultBaseUrl: "https://api.openai.com/v1",
    eventProvider: "openai",
  },
  {
    name: "anthropic",
    wire: "anthropic",
    prefix: "/anthropic",
    defaultBaseUrl: "https://api.anthropic.com",
    eventProvider: "anthropic",
  },
  {
    name: "gemini",
    wire: "gemini",
    prefix: "/gemini",
    defaultBaseUrl: "https://generativelanguage.googleapis.com",
    eventProvider: "google",
  },
  // `https://<resource>.openai.azure.com`: `/azure/openai/deployments/<name>/chat/completions?api-version=...`
  // and the v1 API `/azure/openai/v1/chat/completions` both follow it.
  { name: "azure", wire: "openai", prefix: "/azure", eventProvider: "azure" },
  compatible("groq", "https://api.groq.com/openai/v1"),
  compatible("deepseek", "https://api.deepseek.com/v1"),
  compatible("xai", "https://api.x.ai/v1"),
  compatible("mistral", "https://api.mistral.ai/v1"),
  compatible("openrouter", "https://openrouter.ai/api/v1"),
  compatible("ollama", "http://127.0.0.1:11434/v1"),
  compatible("vllm", "http://127.0.0.1:8000/v1"),
];

/** The route names, for options and error messages. */
export const GATEWAY_PROVIDER_NAMES: readonly string[] = GATEWAY_PROVIDERS.map(
  (provider) => provider.name,
);

function compatible(name: string, defaultBaseUrl: string): GatewayProviderSpec {
  return { name, wire: "openai", prefix: `/${name}/v1`, defaultBaseUrl, eventProvider: name };
}

/** A provider route with its base URL resolved. */
export interface GatewayRoute extends GatewayProviderSpec {
  /** The base URL without a trailing slash. */
  baseUrl: string | undefined;
  /** Add `stream_options.include_usage` to OpenAI-compatible chat streams. */
  injectStreamUsage: boolean;
}

/** The route `path` belongs to and the rest of the path after its prefix, or undefined. */
export function matchRoute(
  routes: ReadonlyMap<string, GatewayRoute>,
  path: string,
): { route: GatewayRoute; rest: string } | undefined {
  const second = path.indexOf("/", 1);
  const name = second === -1 ? path.slice(1) : path.slice(1, second);
  const route = routes.get(name);
  if (route === undefined) return undefined;
  if (path !== route.prefix && !path.startsWith(`${route.prefix}/`)) return undefined;
  return { route, rest: path.slice(route.prefix.length) };
}
