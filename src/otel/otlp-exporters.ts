import type { ExportResult } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** OTLP over HTTP: protobuf (the OpenTelemetry default) or JSON. */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** An exporter of spans or log records, as the official OTLP packages implement it. */
export interface RecordExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** Where and how to send. Without `endpoint`, the exporters read `OTEL_EXPORTER_OTLP_*` themselves. */
export interface OtlpConnection {
  endpoint?: string;
  protocol: OtlpProtocol;
  headers?: Record<string, string>;
  timeoutMillis?: number;
}

/** The protocol asked for: the option, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
export function resolveProtocol(protocol: string | undefined): OtlpProtocol {
  const value = protocol ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  if (value !== "http/protobuf" && value !== "http/json") {
    throw new Error(
      `llmeter: OTLP protocol ${JSON.stringify(value)} is not supported; use "http/protobuf" or "http/json" (for gRPC, point a collector's OTLP/HTTP receiver at it)`,
    );
  }
  return value;
}

/** Checks a collector base URL and drops trailing slashes. */
export function checkEndpoint(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, "");
  let protocol: string | undefined;
  try {
    protocol = new URL(trimmed).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new Error(
      `llmeter: OTLP endpoint ${JSON.stringify(endpoint)} is not an http(s) URL; give the collector's OTLP/HTTP base URL, e.g. http://localhost:4318`,
    );
  }
  return trimmed;
}

function exporterConfig(connection: OtlpConnection, path: string) {
  return {
    ...(connection.endpoint === undefined ? {} : { url: `${connection.endpoint}${path}` }),
    ...(connection.headers === undefined ? {} : { headers: connection.headers }),
    ...(connection.timeoutMillis === undefined ? {} : { timeoutMillis: connection.timeoutMillis }),
  };
}

/** The official OTLP span exporter for the protocol, loaded only when needed. */
export async function createSpanExporter(
  connection: OtlpConnection,
): Promise<RecordExporter<ReadableSpan>> {
  const config = exporterConfig(connection, "/v1/traces");
  if (connection.protocol === "http/json") {
    const module = await importOptional(
      () => import("@opentelemetry/exporter-trace-otlp-http"),
      "@opentelemetry/exporter-trace-otlp-http",
    );
    return new module.OTLPTraceExporter(config);
  }
  const module = await importOptional(
    () => import("@opentelemetry/exporter-trace-otlp-proto"),
    "@opentelemetry/exporter-trace-otlp-proto",
  );
  return new module.OTLPTraceExporter(config);
}

/** The official OTLP log record exporter for the protocol. */
export async function createLogExporter(
  connection: OtlpConnection,
): Promise<RecordExporter<ReadableLogRecord>> {
  const config = exporterConfig(connection, "/v1/logs");
  if (connection.protocol === "http/json") {
    const module = await importOptional(
      () => import("@opentelemetry/exporter-logs-otlp-http"),
      "@opentelemetry/exporter-logs-otlp-http",
    );
    return new module.OTLPLogExporter(config);
  }
  const module = await importOptional(
    () => import("@opentelemetry/exporter-logs-otlp-proto"),
    "@opentelemetry/exporter-logs-otlp-proto",
  );
  return new module.OTLPLogExporter(config);
}

/** The official OTLP metric exporter for the protocol. */
export async function createMetricExporter(
  connection: OtlpConnection,
): Promise<PushMetricExporter> {
  const config = exporterConfig(connection, "/v1/metrics");
  if (connection.protocol === "http/json") {
    const module = await importOptional(
      () => import("@opentelemetry/exporter-metrics-otlp-http"),
      "@opentelemetry/exporter-metrics-otlp-http",
    );
    return new module.OTLPMetricExporter(config) as unknown as PushMetricExporter;
  }
  const module = await importOptional(
    () => import("@opentelemetry/exporter-metrics-otlp-proto"),
    "@opentelemetry/exporter-metrics-otlp-proto",
  );
  return new module.OTLPMetricExporter(config) as unknown as PushMetricExporter;
}

/** Loads an optional peer dependency, or says which one to install. */
export async function importOptional<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `llmeter: this needs the optional package ${name}; install it with \`npm install ${name}\``,
      { cause: error },
    );
  }
}
