/**
 * Continues an incoming W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header)
 * in the gateway's span: the call is started inside a context whose remote parent is the client's
 * span, so the meter's OpenTelemetry instrumentation (which parents the call's CLIENT span on the
 * active context) makes it a child of the client's trace. `@opentelemetry/api` is an optional
 * peer: without it, or with no OpenTelemetry configured, calls run as they are.
 */

type OtelApi = typeof import("@opentelemetry/api");

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const INVALID_TRACE = "0".repeat(32);
const INVALID_SPAN = "0".repeat(16);

/** The trace and parent span ids of a valid `traceparent`, else undefined. */
export function parseTraceparent(
  header: string | undefined,
): { traceId: string; spanId: string; traceFlags: number } | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (match === null || match[1] === "ff") return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  // Version 00 has exactly four fields; later versions may add some (kept compatible).
  if (version === "00" && header.trim().length !== 55) return undefined;
  if (traceId === INVALID_TRACE || spanId === INVALID_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1 };
}

/** Runs calls in the context of their request's `traceparent`. */
export interface TraceContinuation {
  run<T>(traceparent: string | undefined, fn: () => T): T;
}

/** Loads `@opentelemetry/api` when it is installed; calls run unchanged otherwise. */
export async function loadTraceContinuation(): Promise<TraceContinuation> {
  let api: OtelApi;
  try {
    api = await import("@opentelemetry/api");
  } catch {
    return { run: (_traceparent, fn) => fn() };
  }
  return {
    run(traceparent, fn) {
      const parent = parseTraceparent(traceparent);
      if (parent === undefined) return fn();
      const context = api.trace.setSpanContext(api.ROOT_CONTEXT, { ...parent, isRemote: true });
      return api.context.with(context, fn);
    },
  };
}
