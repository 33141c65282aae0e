/**
 * OpenAI-compatible endpoints by host. The names are llmeter's provider names (lower case, as the
 * pricing catalog spells them). Hosts from each provider's API documentation.
 */
const PROVIDER_BY_HOST: ReadonlyArray<readonly [suffix: string, provider: string]> = [
  ["api.openai.com", "openai"],
  [".openai.azure.com", "azure"],
  [".cognitiveservices.azure.com", "azure"],
  [".services.ai.azure.com", "azure"],
  ["api.groq.com", "groq"],
  ["api.deepseek.com", "deepseek"],
  ["api.x.ai", "xai"],
  ["openrouter.ai", "openrouter"],
  ["api.together.xyz", "together"],
  ["api.fireworks.ai", "fireworks"],
  ["api.mistral.ai", "mistral"],
  ["api.perplexity.ai", "perplexity"],
  ["api.cerebras.ai", "cerebras"],
  ["generativelanguage.googleapis.com", "google"],
  ["api.anthropic.com", "anthropic"],
];

/** Ollama's default port (https://github.com/ollama/ollama/blob/main/docs/faq.md). */
const OLLAMA_PORT = "11434";

/**
 * The provider behind an OpenAI-compatible base URL, or `undefined` when the host says nothing
 * (a self-hosted vLLM, a proxy, a test server).
 *
 * @example detectProviderFromBaseUrl("https://api.groq.com/openai/v1") // "groq"
 */
export function detectProviderFromBaseUrl(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined || baseUrl === "") return undefined;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  for (const [suffix, provider] of PROVIDER_BY_HOST) {
    if (host === suffix || host.endsWith(suffix.startsWith(".") ? suffix : `.${suffix}`))
      return provider;
  }
  if (url.port === OLLAMA_PORT) return "ollama";
  return undefined;
}

/** True when `value`'s class, or one it extends, has the given name (no import of the SDK needed). */
export function isInstanceOfClassNamed(value: unknown, className: string): boolean {
  let prototype: unknown =
    value === null || typeof value !== "object" ? null : Object.getPrototypeOf(value);
  while (prototype !== null && prototype !== Object.prototype) {
    if ((prototype as { constructor?: { name?: string } }).constructor?.name === className)
      return true;
    prototype = Object.getPrototypeOf(prototype);
  }
  return false;
}
