import {
  OtlpDecodeError,
  type ReceivedResourceSpans,
  type ReceivedScalar,
  type ReceivedSpan,
  type ReceivedValue,
} from "./received-spans.ts";

/**
 * Decodes an `ExportTraceServiceRequest` in the OTLP JSON encoding; throws `OtlpDecodeError`.
 * The encoding is the protobuf JSON mapping with OTLP's own rules
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding, checked 2026-12-07):
 * lowerCamelCase field names, trace and span ids as hex strings (not base64), enums as integers,
 * 64-bit integers as decimal strings (numbers accepted too), unknown fields ignored.
 */
export function decodeOtlpJson(text: string): ReceivedResourceSpans[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`the body is not JSON (${(error as Error).message})`);
  }
  const request = object(parsed, "the body");
  return list(request.resourceSpans, "resourceSpans").map((item, index) =>
    readResourceSpans(item, `resourceSpans[${index}]`),
  );
}

function readResourceSpans(value: unknown, path: string): ReceivedResourceSpans {
  const resourceSpans = object(value, path);
  const resource =
    resourceSpans.resource === undefined || resourceSpans.resource === null
      ? {}
      : object(resourceSpans.resource, `${path}.resource`);
  const spans: ReceivedSpan[] = [];
  list(resourceSpans.scopeSpans, `${path}.scopeSpans`).forEach((scope, scopeIndex) => {
    const scopePath = `${path}.scopeSpans[${scopeIndex}]`;
    list(object(scope, scopePath).spans, `${scopePath}.spans`).forEach((span, spanIndex) => {
      spans.push(readSpan(span, `${scopePath}.spans[${spanIndex}]`));
    });
  });
  return { resource: readAttributes(resource.attributes, `${path}.resource.attributes`), spans };
}

function readSpan(value: unknown, path: string): ReceivedSpan {
  const span = object(value, path);
  const status =
    span.status === undefined || span.status === null ? {} : object(span.status, `${path}.status`);
  return {
    traceId: hexId(span.traceId, 16, `${path}.traceId`),
    spanId: hexId(span.spanId, 8, `${path}.spanId`),
    name: optionalString(span.name, `${path}.name`) ?? "",
    startTimeUnixNano: unsigned64(span.startTimeUnixNano, `${path}.startTimeUnixNano`),
    endTimeUnixNano: unsigned64(span.endTimeUnixNano, `${path}.endTimeUnixNano`),
    attributes: readAttributes(span.attributes, `${path}.attributes`),
    statusCode: enumValue(status.code, `${path}.status.code`),
  };
}

function readAttributes(value: unknown, path: string): Map<string, ReceivedValue> {
  const attributes = new Map<string, ReceivedValue>();
  list(value, path).forEach((item, index) => {
    const keyValue = object(item, `${path}[${index}]`);
    const key = optionalString(keyValue.key, `${path}[${index}].key`);
    if (key === undefined || key === "") return;
    const read = readAnyValue(keyValue.value, `${path}[${index}].value`, true);
    if (read !== undefined) attributes.set(key, read);
  });
  return attributes;
}

function readAnyValue(
  value: unknown,
  path: string,
  arrayAllowed: boolean,
): ReceivedValue | undefined {
  if (value === undefined || value === null) return undefined;
  const any = object(value, path);
  if (any.stringValue !== undefined) return string(any.stringValue, `${path}.stringValue`);
  if (any.boolValue !== undefined) {
    if (typeof any.boolValue !== "boolean")
      throw new OtlpDecodeError(`${path}.boolValue: expected true or false`);
    return any.boolValue;
  }
  if (any.intValue !== undefined) return Number(signed64(any.intValue, `${path}.intValue`));
  if (any.doubleValue !== undefined) return double(any.doubleValue, `${path}.doubleValue`);
  if (any.arrayValue !== undefined) {
    if (!arrayAllowed) return undefined;
    const array = object(any.arrayValue, `${path}.arrayValue`);
    const items: ReceivedScalar[] = [];
    list(array.values, `${path}.arrayValue.values`).forEach((item, index) => {
      const read = readAnyValue(item, `${path}.arrayValue.values[${index}]`, false);
      if (read !== undefined && !Array.isArray(read)) items.push(read as ReceivedScalar);
    });
    return items;
  }
  // kvlistValue and bytesValue: valid, never read by the receiver.
  return undefined;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new OtlpDecodeError(`${path}: expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** A repeated field: absent or null is empty. */
function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new OtlpDecodeError(`${path}: expected an array, got ${describe(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string")
    throw new OtlpDecodeError(`${path}: expected a string, got ${describe(value)}`);
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path);
}

/** A trace or span id: hex digits of `bytes` bytes, or absent (""). */
function hexId(value: unknown, bytes: number, path: string): string {
  const text = optionalString(value, path);
  if (text === undefined || text === "") return "";
  if (text.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(text))
    throw new OtlpDecodeError(
      `${path}: expected ${bytes * 2} hex digits (OTLP JSON encodes ids as hex, not base64), got "${text.slice(0, 64)}"`,
    );
  return text.toLowerCase();
}

function unsigned64(value: unknown, path: string): bigint {
  const result = signed64(value ?? "0", path);
  if (result < 0n) throw new OtlpDecodeError(`${path}: expected an unsigned integer`);
  return result;
}

function signed64(value: unknown, path: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  throw new OtlpDecodeError(
    `${path}: expected a 64-bit integer as a decimal string, got ${describe(value)}`,
  );
}

function double(value: unknown, path: string): number {
  if (typeof value === "number") return value;
  // The protobuf JSON mapping spells the special values as strings.
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new OtlpDecodeError(`${path}: expected a number, got ${describe(value)}`);
}

function enumValue(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new OtlpDecodeError(
    `${path}: expected the enum as an integer (OTLP JSON encodes enums as integers), got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.slice(0, 64)}"`;
  return typeof value === "object" ? "an object" : String(value);
}
