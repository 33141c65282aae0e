import type { ExportResult } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { endpointProblem, OTLP_PROTOCOLS, type OtlpProtocolName } from "../config/otel-setting.ts";

/**
 * The OTLP transports of the specification (opentelemetry.io/docs/specs/otel/protocol/exporter/):
 * HTTP with protobuf (the default) or JSON bodies, or gRPC.
 */
export type OtlpProtocol = OtlpProtocolName;

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
  const value = protocol ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ?? "http/protobuf";
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(value)) {
    throw new Error(
      `llmeter: OTLP protocol ${JSON.stringify(value)} is not supported; use "http/protobuf", "http/json" or "grpc"`,
    );
  }
  return value as OtlpProtocol;
}

/** The collector's default base URL for a protocol: 4317 for gRPC, 4318 for HTTP (OTLP spec). */
export function defaultEndpoint(protocol: OtlpProtocol): string {
  return protocol === "grpc" ? "http://localhost:4317" : "http://localhost:4318";
}

/** Checks a collector base URL (or gRPC address) and drops trailing slashes. */
export function checkEndpoint(endpoint: string, protocol: OtlpProtocol = "http/protobuf"): string {
  const problem = endpointProblem(endpoint, protocol);
  if (problem !== undefined) throw new Error(`llmeter: ${problem}`);
  return endpoint.trim().replace(/\/+$/, "");
}

function httpConfig(connection: OtlpConnection, path: string) {
  return {
    ...(connection.endpoint === undefined ? {} : { url: `${connection.endpoint}${path}` }),
    ...(connection.headers === undefined ? {} : { headers: connection.headers }),
    ...(connection.timeoutMillis === undefined ? {} : { timeoutMillis: connection.timeoutMillis }),
  };
}

/**
 * The gRPC exporters' options. gRPC sends headers as metadata; `http://` means a plaintext
 * channel and `https://` TLS, which the exporters decide from the URL themselves.
 */
async function grpcConfig(connection: OtlpConnection, exporterPackage: string) {
  return {
    ...(connection.endpoint === undefined ? {} : { url: connection.endpoint }),
    ...(connection.headers === undefined
      ? {}
      : { metadata: await grpcMetadata(connection.headers, exporterPackage) }),
    ...(connection.timeoutMillis === undefined ? {} : { timeoutMillis: connection.timeoutMillis }),
  };
}

// The Metadata class must be the exporter's own copy of @grpc/grpc-js, so it is required from
// where the exporter is installed (also right under pnpm, where it is not hoisted).
async function grpcMetadata(headers: Record<string, string>, exporterPackage: string) {
  const { createRequire } = await import("node:module");
  const requireFromExporter = createRequire(import.meta.resolve(exporterPackage));
  const base = requireFromExporter(
    "@opentelemetry/otlp-grpc-exporter-base",
  ) as typeof import("@opentelemetry/otlp-grpc-exporter-base");
  const metadata = base.createEmptyMetadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

/** The official OTLP span exporter for the protocol, loaded only when needed. */
export async function createSpanExporter(
  connection: OtlpConnection,
): Promise<RecordExporter<ReadableSpan>> {
  if (connection.protocol === "grpc") {
    const name = "@opentelemetry/exporter-trace-otlp-grpc";
    const module = await importOptional(
      () => import("@opentelemetry/exporter-trace-otlp-grpc"),
      name,
    );
    return new module.OTLPTraceExporter(await grpcConfig(connection, name));
  }
  const config = httpConfig(connection, "/v1/traces");
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
  if (connection.protocol === "grpc") {
    const name = "@opentelemetry/exporter-logs-otlp-grpc";
    const module = await importOptional(
      () => import("@opentelemetry/exporter-logs-otlp-grpc"),
      name,
    );
    return new module.OTLPLogExporter(await grpcConfig(connection, name));
  }
  const config = httpConfig(connection, "/v1/logs");
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
  if (connection.protocol === "grpc") {
    const name = "@opentelemetry/exporter-metrics-otlp-grpc";
    const module = await importOptional(
      () => import("@opentelemetry/exporter-metrics-otlp-grpc"),
      name,
    );
    return new module.OTLPMetricExporter(
      await grpcConfig(connection, name),
    ) as unknown as PushMetricExporter;
  }
  const config = httpConfig(connection, "/v1/metrics");
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
