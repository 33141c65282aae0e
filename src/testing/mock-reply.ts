/**
 * The shapes shared by the provider handlers and the HTTP server: a handler turns a parsed
 * request into a `MockReply` (plain JSON or a server-sent-event stream), and the server applies
 * latency, time to first token, chunk delays and broken-stream injection to it. Handlers never
 * touch sockets or timers, which keeps them pure and easy to test.
 */

import type { ResolvedMockProviderOptions } from "./mock-provider-options.ts";

/** One server-sent event: an optional `event:` name and its `data:` payload (JSON text). */
export interface SseEvent {
  event?: string;
  data: string;
}

/** A plain JSON response. */
export interface JsonReply {
  kind: "json";
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A streamed response, split into the parts the server paces differently. */
export interface SseReply {
  kind: "sse";
  headers: Record<string, string>;
  /** Separator after each event: OpenAI and Anthropic use "\n\n", Gemini "\r\n\r\n". */
  delimiter: string;
  /** Sent with the response headers, before the time-to-first-token delay. */
  opening: SseEvent[];
  /** Content chunks: each group is written at once, `chunkDelayMs` apart. */
  chunks: SseEvent[][];
  /** Sent right after the last chunk (usage, stop events, `[DONE]`). */
  closing: SseEvent[];
  /** The provider's in-stream error, for "stream-error"; gets the number of events already sent. */
  streamError: (eventsSent: number) => SseEvent[];
}

/** What a provider handler answers. */
export type MockReply = JsonReply | SseReply;

/** What a provider handler gets for one request. */
export interface MockRequestContext {
  /** The parsed JSON body (validated to be an object by the server). */
  body: Record<string, unknown>;
  /** Named parts of the matched path, e.g. `{ model, method }` for Gemini. */
  params: Record<string, string>;
  /** The query string of the request. */
  query: URLSearchParams;
  /** The options in force when the request arrived. */
  options: ResolvedMockProviderOptions;
  /** A fresh id for this server, e.g. `nextId("chatcmpl-")` → "chatcmpl-mock000001". */
  nextId: (prefix: string) => string;
}

/** A request the provider would reject (missing field, wrong type): becomes its JSON error. */
export class MockRequestError extends Error {
  override name = "MockRequestError";
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** One route of a provider API. */
export interface MockRoute {
  method: "GET" | "POST";
  /** Returns the named path parts when `path` belongs to this route. */
  match: (path: string) => Record<string, string> | undefined;
  handle: (context: MockRequestContext) => MockReply;
}

/** A provider wire format: its routes and how it frames errors. */
export interface MockProviderApi {
  name: "openai" | "anthropic" | "gemini";
  /** Whether an unmatched path is this provider's (so a 404 comes in its error shape). */
  ownsPath: (path: string) => boolean;
  routes: MockRoute[];
  /** The provider's JSON error response for an HTTP status. */
  errorReply: (status: number, message: string | undefined, requestId: string) => JsonReply;
}

/** Encodes SSE events with the given delimiter. */
export function encodeSseEvents(events: SseEvent[], delimiter: string): string {
  let text = "";
  for (const event of events) {
    if (event.event !== undefined) text += `event: ${event.event}\n`;
    text += `data: ${event.data}${delimiter}`;
  }
  return text;
}

/** Reads an optional non-negative integer field, or throws the provider's 400. */
export function optionalCount(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new MockRequestError(400, `${field}: expected a non-negative integer`);
  }
  return value;
}

/** Reads the required string `model` field, or throws the provider's 400. */
export function requiredModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw new MockRequestError(400, "model: a non-empty string is required");
  }
  return model;
}
