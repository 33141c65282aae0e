// A tiny OTLP/HTTP receiver on loopback that records what arrives, decoded.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

/** The part of the OTLP protobuf schema the tests read (field numbers from opentelemetry-proto). */
const OTLP_SCHEMA = `
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  Status status = 15;
}
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message LogRecord {
  fixed64 time_unix_nano = 1; int32 severity_number = 2; string severity_text = 3; AnyValue body = 5;
  repeated KeyValue attributes = 6; bytes trace_id = 9; bytes span_id = 10; string event_name = 12;
}
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
`;

const root = protobuf.parse(OTLP_SCHEMA, { keepCase: false }).root;
const TraceRequest = root.lookupType("ExportTraceServiceRequest");
const LogsRequest = root.lookupType("ExportLogsServiceRequest");

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  /** The request decoded to OTLP/JSON's shape (camelCase fields, `resourceSpans`/`resourceLogs`). */
  body: Record<string, unknown>;
}

export interface OtlpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Makes the next requests fail with this status. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  let failure: number | undefined;
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const raw = Buffer.concat(parts);
      const contentType = request.headers["content-type"] ?? "";
      const path = request.url ?? "";
      let body: Record<string, unknown>;
      if (contentType.includes("json")) {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } else if (path.endsWith("/v1/metrics")) {
        // The tests read metrics from OTLP/JSON only; protobuf metrics are kept undecoded.
        body = { bytes: raw.length };
      } else {
        const type = path.endsWith("/v1/logs") ? LogsRequest : TraceRequest;
        body = type.toObject(type.decode(raw), { longs: String, bytes: String, defaults: false });
      }
      requests.push({ path, contentType, headers: request.headers, body });
      if (failure !== undefined) {
        response.writeHead(failure, { "content-type": "text/plain" });
        response.end("refused");
        return;
      }
      response.writeHead(200, {
        "content-type": contentType.includes("json")
          ? "application/json"
          : "application/x-protobuf",
      });
      response.end(contentType.includes("json") ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failWith(status) {
      failure = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `[{ key, value: { stringValue } }]` → `{ key: value }`. */
export function attributeMap(attributes: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const entry of (attributes as Array<{ key: string; value: Record<string, unknown> }>) ??
    []) {
    const value = entry.value ?? {};
    const raw = value.stringValue ?? value.boolValue ?? value.intValue ?? value.doubleValue;
    // int64 arrives as a string from both JSON and protobuf decoding.
    result[entry.key] = value.intValue !== undefined ? Number(raw) : raw;
  }
  return result;
}
