/**
 * The `gateway` setting: how `llmeter gateway` (and `createGateway()`) listens, where it forwards
 * and its limits, in the one project config file (`.llmeter/config.json`) or `LLMETER_GATEWAY`
 * as JSON. Options and command-line flags win over it.
 *
 * @example { "gateway": { "port": 4390, "providers": { "azure": { "baseUrl": "https://acme.openai.azure.com" } } } }
 */
export interface GatewaySetting {
  port?: number;
  host?: string;
  /** Per provider route (`openai`, `anthropic`, `gemini`, `azure`, `groq`, ...). */
  providers?: Record<string, GatewayProviderSetting>;
  /** Largest request body accepted, in bytes. */
  maxRequestBytes?: number;
  /** How long the provider may take to answer and between two pieces of its body, in ms. */
  requestTimeoutMs?: number;
  /** How long shutdown waits for in-flight requests and streams, in ms. */
  drainTimeoutMs?: number;
  /** Serve the dashboard at `/`. */
  dashboard?: boolean;
  /** Print one access-log line per request (no bodies, no keys, no query strings). */
  accessLog?: boolean;
}

export interface GatewayProviderSetting {
  /** Where the route forwards to, e.g. `http://10.0.0.5:8000/v1` for a vLLM server. */
  baseUrl?: string;
  /** Add `stream_options.include_usage` to streamed chat calls (OpenAI-compatible routes). */
  injectStreamUsage?: boolean;
  /**
   * The provider key sent for requests that present a virtual key (else the SDK's own variable,
   * `OPENAI_API_KEY` and so on). Prefer the environment: a config file is easily committed.
   */
  apiKey?: string;
}

const NUMBER_FIELDS = {
  port: [0, 65_535],
  maxRequestBytes: [1, 2 ** 31],
  requestTimeoutMs: [1, 86_400_000],
  drainTimeoutMs: [0, 86_400_000],
} as const;
const FIELDS = new Set([
  ...Object.keys(NUMBER_FIELDS),
  "host",
  "providers",
  "dashboard",
  "accessLog",
]);

/** Parses the setting from the config file (an object) or the environment (JSON text). */
export function parseGatewaySetting(value: unknown): GatewaySetting | undefined {
  if (value === undefined || value === "") return undefined;
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`expected a JSON object such as {"port":4390}, got ${JSON.stringify(value)}`);
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error('expected an object such as {"port":4390}');
  const record = parsed as Record<string, unknown>;
  const setting: GatewaySetting = {};
  for (const [key, field] of Object.entries(record)) {
    if (!FIELDS.has(key))
      throw new Error(`unknown gateway field "${key}"; use ${[...FIELDS].join(", ")}`);
    if (field === undefined) continue;
    if (key in NUMBER_FIELDS) {
      const [min, max] = NUMBER_FIELDS[key as keyof typeof NUMBER_FIELDS];
      if (typeof field !== "number" || !Number.isInteger(field) || field < min || field > max)
        throw new Error(`gateway.${key} must be a whole number from ${min} to ${max}`);
      (setting as Record<string, unknown>)[key] = field;
    } else if (key === "host") {
      if (typeof field !== "string" || field.trim() === "")
        throw new Error("gateway.host must be an address such as 127.0.0.1");
      setting.host = field.trim();
    } else if (key === "dashboard" || key === "accessLog") {
      if (typeof field !== "boolean") throw new Error(`gateway.${key} must be true or false`);
      setting[key] = field;
    } else {
      setting.providers = parseProviders(field);
    }
  }
  return setting;
}

function parseProviders(value: unknown): Record<string, GatewayProviderSetting> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error('gateway.providers must be an object such as {"groq":{"baseUrl":"..."}}');
  const providers: Record<string, GatewayProviderSetting> = {};
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      throw new Error(`gateway.providers.${name} must be an object such as {"baseUrl":"..."}`);
    const provider: GatewayProviderSetting = {};
    for (const [key, field] of Object.entries(entry as Record<string, unknown>)) {
      if (key === "baseUrl") {
        if (typeof field !== "string" || !/^https?:\/\/[^/]/.test(field))
          throw new Error(
            `gateway.providers.${name}.baseUrl must be an http(s) URL, got ${JSON.stringify(field)}`,
          );
        provider.baseUrl = field;
      } else if (key === "injectStreamUsage") {
        if (typeof field !== "boolean")
          throw new Error(`gateway.providers.${name}.injectStreamUsage must be true or false`);
        provider.injectStreamUsage = field;
      } else if (key === "apiKey") {
        if (typeof field !== "string" || field.trim() === "")
          throw new Error(`gateway.providers.${name}.apiKey must be a non-empty string`);
        provider.apiKey = field.trim();
      } else {
        throw new Error(
          `unknown field gateway.providers.${name}.${key}; use baseUrl, injectStreamUsage, apiKey`,
        );
      }
    }
    providers[name] = provider;
  }
  return providers;
}
