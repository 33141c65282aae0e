// A tiny OTLP/HTTP receiver on loopback that records what arrives, decoded.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { otlpProtoRoot } from "./otlp-proto-schema.ts";

const root = otlpProtoRoot;
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

/** A decoded OTLP payload (OTLP/JSON's shape). */
// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP payloads are untyped; the assertions check their shape.
export type Json = Record<string, any>;

/** Every span of a decoded `ExportTraceServiceRequest`. */
export function spansOf(body: Json): Json[] {
  return (body.resourceSpans ?? []).flatMap((resource: Json) =>
    resource.scopeSpans.flatMap((scope: Json) => scope.spans),
  );
}

/** Every log record of a decoded `ExportLogsServiceRequest`. */
export function logsOf(body: Json): Json[] {
  return (body.resourceLogs ?? []).flatMap((resource: Json) =>
    resource.scopeLogs.flatMap((scope: Json) => scope.logRecords),
  );
}
