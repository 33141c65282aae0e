import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/** The two OTLP/HTTP encodings; a response uses the request's. */
export type OtlpEncoding = "protobuf" | "json";

export const CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

/**
 * The body of a 200: an `ExportTraceServiceResponse`, with `partial_success` only when spans were
 * rejected (https://opentelemetry.io/docs/specs/otlp/#partial-success, checked 2026-12-07).
 * Fields: `ExportTraceServiceResponse.partial_success = 1`;
 * `ExportTracePartialSuccess.rejected_spans = 1` (int64), `error_message = 2`
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto).
 */
export function exportResponseBody(
  encoding: OtlpEncoding,
  rejectedSpans: number,
  errorMessage: string,
): Uint8Array | string {
  if (encoding === "json") {
    return JSON.stringify(
      rejectedSpans === 0
        ? {}
        : { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } },
    );
  }
  const writer = new BinaryWriter();
  if (rejectedSpans > 0) {
    writer.tag(1, WireType.LengthDelimited).fork();
    writer.tag(1, WireType.Varint).int64(rejectedSpans);
    writer.tag(2, WireType.LengthDelimited).string(errorMessage);
    writer.join();
  }
  return writer.finish();
}

/**
 * The body of a 4xx: a `google.rpc.Status` (`code = 1`, `message = 2`), as the OTLP/HTTP spec
 * asks (https://opentelemetry.io/docs/specs/otlp/#failures-1). `code` is a gRPC status code:
 * 3 INVALID_ARGUMENT, 7 PERMISSION_DENIED, 16 UNAUTHENTICATED, 8 RESOURCE_EXHAUSTED.
 */
export function statusBody(
  encoding: OtlpEncoding,
  code: number,
  message: string,
): Uint8Array | string {
  if (encoding === "json") return JSON.stringify({ code, message });
  return new BinaryWriter()
    .tag(1, WireType.Varint)
    .int32(code)
    .tag(2, WireType.LengthDelimited)
    .string(message)
    .finish();
}
