/**
 * What the OTLP receiver keeps of an `ExportTraceServiceRequest`, the same whichever encoding
 * (protobuf or JSON) it came in: spans with their resource's attributes, ids as lower-case hex,
 * times as nanoseconds. Scopes, events, links and dropped counts are not needed and not kept.
 */

/** A scalar attribute value, or an array of them (`gen_ai.response.finish_reasons`). */
export type ReceivedValue = string | number | boolean | readonly ReceivedScalar[];
export type ReceivedScalar = string | number | boolean;

/**
 * Attributes by key. A `Map`, so that a sender's key such as `__proto__` is only a key. Values the
 * receiver never reads (key-value lists, bytes) are left out.
 */
export type ReceivedAttributes = ReadonlyMap<string, ReceivedValue>;

/** `Status.code` of the OTLP trace proto. */
export const SPAN_STATUS_ERROR = 2;

export interface ReceivedSpan {
  /** 32 lower-case hex digits ("" when the sender sent none). */
  traceId: string;
  /** 16 lower-case hex digits ("" when the sender sent none). */
  spanId: string;
  name: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: ReceivedAttributes;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

/** The spans of one `ResourceSpans`, with that resource's attributes. */
export interface ReceivedResourceSpans {
  resource: ReceivedAttributes;
  spans: ReceivedSpan[];
}

/** A payload that is not a valid `ExportTraceServiceRequest`; `path` says where. */
export class OtlpDecodeError extends Error {
  override readonly name = "OtlpDecodeError";
}
