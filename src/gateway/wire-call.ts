import type { IncomingHttpHeaders } from "node:http";
import type { StreamHandler } from "../integrations/shared/stream-watch.ts";
import type { TrackerHandle, TrackInfo } from "../meter/types.ts";

/** What a proxied request is, read from its path and body before it is forwarded. */
export interface WireCallRequest {
  method: string;
  /** The path after the provider prefix, without the query. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
}

/** A request the gateway meters: how it is tracked, forwarded and read back. */
export interface WireCall {
  /** Provider, model, operation, kind and request parameters (attribution is added by the gateway). */
  info: TrackInfo;
  /** A body to send instead of the client's (the `include_usage` injection), else undefined. */
  forwardBody?: unknown;
  /** The usage chunk the injection adds is hidden from the caller. */
  hideUsage: boolean;
  /** Watches a streamed (SSE) response; the handler sees each event's parsed `data`. */
  streamHandler(tracker: TrackerHandle, headers: IncomingHttpHeaders): StreamHandler<unknown>;
  /** Reads a finished JSON response into the tracker (does not end it). */
  recordResult(value: unknown, tracker: TrackerHandle, headers: IncomingHttpHeaders): void;
}

/** One wire format's reader: `undefined` for requests that are forwarded without metering. */
export type WireCallReader = (
  request: WireCallRequest,
  provider: string,
  injectStreamUsage: boolean,
) => WireCall | undefined;

/** A single header value (the first of repeated ones). */
export function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === "" ? undefined : text;
}

/** The body as a plain object, or an empty one (a metered call's body is the caller's, unchecked). */
export function bodyObject(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === "object" && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
