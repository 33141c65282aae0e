import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import {
  OtlpDecodeError,
  type ReceivedResourceSpans,
  type ReceivedScalar,
  type ReceivedSpan,
  type ReceivedValue,
} from "./received-spans.ts";

/*
 * Field numbers of the OTLP protos (opentelemetry-proto v1.x, checked 2026-12-07):
 * https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/collector/trace/v1/trace_service.proto
 * https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto
 * https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/resource/v1/resource.proto
 * https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/common/v1/common.proto
 * Fields not listed are skipped, as protobuf asks of a reader that meets unknown fields.
 */
const REQUEST_RESOURCE_SPANS = 1;
const RESOURCE_SPANS_RESOURCE = 1;
const RESOURCE_SPANS_SCOPE_SPANS = 2;
const RESOURCE_ATTRIBUTES = 1;
const SCOPE_SPANS_SPANS = 2;
const SPAN_TRACE_ID = 1;
const SPAN_SPAN_ID = 2;
const SPAN_NAME = 5;
const SPAN_START_TIME = 7; // fixed64
const SPAN_END_TIME = 8; // fixed64
const SPAN_ATTRIBUTES = 9;
const SPAN_STATUS = 15;
const STATUS_CODE = 3; // enum; 1 is the deprecated `deprecated_code`
const KEY_VALUE_KEY = 1;
const KEY_VALUE_VALUE = 2;
const ANY_STRING = 1;
const ANY_BOOL = 2;
const ANY_INT = 3; // int64
const ANY_DOUBLE = 4;
const ANY_ARRAY = 5;
const ARRAY_VALUES = 1;

/** Decodes an `ExportTraceServiceRequest` in the protobuf binary encoding; throws `OtlpDecodeError`. */
export function decodeOtlpProtobuf(body: Uint8Array): ReceivedResourceSpans[] {
  try {
    const result: ReceivedResourceSpans[] = [];
    // One reader over the whole body; each message is read up to its end position, so nested
    // messages cost no reader (and no DataView) of their own.
    const reader = new BinaryReader(body, decodeUtf8);
    forEachField(reader, reader.len, (field, wireType) => {
      if (field !== REQUEST_RESOURCE_SPANS) return false;
      expect(wireType, WireType.LengthDelimited, "resource_spans");
      result.push(readResourceSpans(reader, `resource_spans[${result.length}]`));
      return true;
    });
    return result;
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    // The reader's own errors (premature end, bad varint, invalid UTF-8) say what but not where.
    throw new OtlpDecodeError(
      `the body is not a protobuf ExportTraceServiceRequest (${(error as Error).message})`,
    );
  }
}

function readResourceSpans(reader: BinaryReader, path: string): ReceivedResourceSpans {
  const resource = new Map<string, ReceivedValue>();
  const spans: ReceivedSpan[] = [];
  forEachField(reader, messageEnd(reader), (field, wireType) => {
    if (field === RESOURCE_SPANS_RESOURCE) {
      expect(wireType, WireType.LengthDelimited, `${path}.resource`);
      forEachField(reader, messageEnd(reader), (innerField, innerType) => {
        if (innerField !== RESOURCE_ATTRIBUTES) return false;
        expect(innerType, WireType.LengthDelimited, `${path}.resource.attributes`);
        readKeyValue(reader, resource, `${path}.resource.attributes`);
        return true;
      });
      return true;
    }
    if (field !== RESOURCE_SPANS_SCOPE_SPANS) return false;
    expect(wireType, WireType.LengthDelimited, `${path}.scope_spans`);
    forEachField(reader, messageEnd(reader), (innerField, innerType) => {
      if (innerField !== SCOPE_SPANS_SPANS) return false;
      const spanPath = `${path}.scope_spans.spans[${spans.length}]`;
      expect(innerType, WireType.LengthDelimited, spanPath);
      spans.push(readSpan(reader, spanPath));
      return true;
    });
    return true;
  });
  return { resource, spans };
}

function readSpan(reader: BinaryReader, path: string): ReceivedSpan {
  const attributes = new Map<string, ReceivedValue>();
  const span: ReceivedSpan = {
    traceId: "",
    spanId: "",
    name: "",
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes,
    statusCode: 0,
  };
  forEachField(reader, messageEnd(reader), (field, wireType) => {
    switch (field) {
      case SPAN_TRACE_ID:
        expect(wireType, WireType.LengthDelimited, `${path}.trace_id`);
        span.traceId = toHex(reader.bytes());
        return true;
      case SPAN_SPAN_ID:
        expect(wireType, WireType.LengthDelimited, `${path}.span_id`);
        span.spanId = toHex(reader.bytes());
        return true;
      case SPAN_NAME:
        expect(wireType, WireType.LengthDelimited, `${path}.name`);
        span.name = reader.string();
        return true;
      case SPAN_START_TIME:
        expect(wireType, WireType.Bit64, `${path}.start_time_unix_nano`);
        span.startTimeUnixNano = BigInt(reader.fixed64());
        return true;
      case SPAN_END_TIME:
        expect(wireType, WireType.Bit64, `${path}.end_time_unix_nano`);
        span.endTimeUnixNano = BigInt(reader.fixed64());
        return true;
      case SPAN_ATTRIBUTES:
        expect(wireType, WireType.LengthDelimited, `${path}.attributes`);
        readKeyValue(reader, attributes, `${path}.attributes`);
        return true;
      case SPAN_STATUS:
        expect(wireType, WireType.LengthDelimited, `${path}.status`);
        forEachField(reader, messageEnd(reader), (innerField, innerType) => {
          if (innerField !== STATUS_CODE) return false;
          expect(innerType, WireType.Varint, `${path}.status.code`);
          span.statusCode = reader.int32();
          return true;
        });
        return true;
      default:
        return false;
    }
  });
  return span;
}

function readKeyValue(reader: BinaryReader, into: Map<string, ReceivedValue>, path: string): void {
  let key = "";
  let value: ReceivedValue | undefined;
  forEachField(reader, messageEnd(reader), (field, wireType) => {
    if (field === KEY_VALUE_KEY) {
      expect(wireType, WireType.LengthDelimited, `${path}.key`);
      key = reader.string();
      return true;
    }
    if (field !== KEY_VALUE_VALUE) return false;
    expect(wireType, WireType.LengthDelimited, `${path}["${key}"].value`);
    value = readAnyValue(reader, `${path}["${key}"].value`, true);
    return true;
  });
  if (key !== "" && value !== undefined) into.set(key, value);
}

/** An `AnyValue`: scalars, and arrays of scalars one level deep; anything else is undefined. */
function readAnyValue(
  reader: BinaryReader,
  path: string,
  arrayAllowed: boolean,
): ReceivedValue | undefined {
  let value: ReceivedValue | undefined;
  forEachField(reader, messageEnd(reader), (field, wireType) => {
    switch (field) {
      case ANY_STRING:
        expect(wireType, WireType.LengthDelimited, `${path}.string_value`);
        value = reader.string();
        return true;
      case ANY_BOOL:
        expect(wireType, WireType.Varint, `${path}.bool_value`);
        value = reader.bool();
        return true;
      case ANY_INT:
        expect(wireType, WireType.Varint, `${path}.int_value`);
        value = Number(reader.int64());
        return true;
      case ANY_DOUBLE:
        expect(wireType, WireType.Bit64, `${path}.double_value`);
        value = reader.double();
        return true;
      case ANY_ARRAY: {
        expect(wireType, WireType.LengthDelimited, `${path}.array_value`);
        if (!arrayAllowed) {
          // An array inside an array: valid, never read.
          value = undefined;
          return false;
        }
        const items: ReceivedScalar[] = [];
        forEachField(reader, messageEnd(reader), (innerField, innerType) => {
          if (innerField !== ARRAY_VALUES) return false;
          expect(innerType, WireType.LengthDelimited, `${path}.array_value.values`);
          const item = readAnyValue(reader, `${path}.array_value.values`, false);
          if (item !== undefined && !Array.isArray(item)) items.push(item as ReceivedScalar);
          return true;
        });
        value = items;
        return true;
      }
      default:
        // kvlist_value and bytes_value: valid, never read by the receiver.
        value = undefined;
        return false;
    }
  });
  return value;
}

/**
 * Reads the fields of one message, up to `end`: `read` consumes a field it knows and returns
 * true, or returns false to have it skipped.
 */
function forEachField(
  reader: BinaryReader,
  end: number,
  read: (field: number, wireType: WireType) => boolean,
): void {
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    if (!read(field, wireType)) reader.skip(wireType, field);
  }
  if (reader.pos !== end)
    throw new OtlpDecodeError(
      `a field runs past the end of its message at byte ${end}; the body is not an ExportTraceServiceRequest`,
    );
}

/** Reads a length-delimited message's length; its end position. */
function messageEnd(reader: BinaryReader): number {
  const end = reader.uint32() + reader.pos;
  if (end > reader.len) throw new OtlpDecodeError(`a message runs past the end of the body`);
  return end;
}

function expect(actual: WireType, expected: WireType, path: string): void {
  if (actual !== expected)
    throw new OtlpDecodeError(
      `${path}: wire type ${actual} where the OTLP proto has ${expected}; the body is not an ExportTraceServiceRequest`,
    );
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 to a string; ASCII-only runs (attribute keys, model names, ids: nearly every string of a
 * span) without `TextDecoder`, whose per-call overhead was most of the decoding time of a span.
 */
function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length > 64) return utf8.decode(bytes);
  for (const byte of bytes) if (byte >= 0x80) return utf8.decode(bytes);
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}
