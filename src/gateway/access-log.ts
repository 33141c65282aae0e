// Kept apart from proxy-request.ts so the public .d.ts never names undici's types: an app that
// type-checks without @types/node must not be made to load them.

/** How a proxied request ended, for the access log. */
export interface ProxyOutcome {
  status: number;
  outcome: "forwarded" | "refused" | "upstream_error" | "aborted";
  model?: string;
  /** The virtual key's id (`vk_…`, never its secret) when the call used one. */
  virtualKey?: string;
}

/**
 * One access-log line: what was asked of which provider and how it ended. Never a body, a
 * credential or a query string (Gemini clients may send their key as `?key=`).
 */
export interface GatewayAccessLogEntry extends ProxyOutcome {
  /** ISO 8601, when the request ended. */
  time: string;
  method: string;
  /** The request's path without its query. */
  path: string;
  /** The provider route (`openai`, `anthropic`, `gemini`, `groq`, ...). */
  provider: string;
  durationMs: number;
}
