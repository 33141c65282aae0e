import type { ProxyOutcome } from "./proxy-request.ts";

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
