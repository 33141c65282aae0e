/**
 * The real provider keys a gateway with virtual keys sends upstream: the `apiKey` of
 * `gateway.providers.<route>` (or `createGateway({ providers })`), else the provider SDK's own
 * environment variable, as each SDK reads it:
 * OpenAI `OPENAI_API_KEY` (https://github.com/openai/openai-node#usage), Anthropic
 * `ANTHROPIC_API_KEY` (https://github.com/anthropics/anthropic-sdk-typescript#usage), Gemini
 * `GEMINI_API_KEY` then `GOOGLE_API_KEY` (https://ai.google.dev/gemini-api/docs/api-key), Azure
 * `AZURE_OPENAI_API_KEY`, and each compatible provider's `<NAME>_API_KEY` (checked 2026-12-07).
 */
const ENVIRONMENT_NAMES: Record<string, readonly string[]> = {
  openai: ["OPENAI_API_KEY"],
  anthropic: ["ANTHROPIC_API_KEY"],
  gemini: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  azure: ["AZURE_OPENAI_API_KEY"],
  groq: ["GROQ_API_KEY"],
  deepseek: ["DEEPSEEK_API_KEY"],
  xai: ["XAI_API_KEY"],
  mistral: ["MISTRAL_API_KEY"],
  openrouter: ["OPENROUTER_API_KEY"],
  ollama: ["OLLAMA_API_KEY"],
  vllm: ["VLLM_API_KEY"],
};

/** The variables a route's key is read from, for error messages. */
export function providerKeyVariables(route: string): readonly string[] {
  return ENVIRONMENT_NAMES[route] ?? [`${route.toUpperCase()}_API_KEY`];
}

/** Route name → provider key, for every route that has one. */
export function resolveProviderKeys(
  configured: Readonly<Record<string, { apiKey?: string } | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  routes: readonly string[],
): Map<string, string> {
  const keys = new Map<string, string>();
  for (const route of routes) {
    const fromConfig = configured[route]?.apiKey;
    const fromEnv = providerKeyVariables(route)
      .map((name) => env[name])
      .find((value) => value !== undefined && value !== "");
    const key = fromConfig !== undefined && fromConfig !== "" ? fromConfig : fromEnv;
    if (key !== undefined) keys.set(route, key);
  }
  return keys;
}
