import type { LoggerProvider, MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import { consoleDiagnostics, type DiagnosticsLogger } from "../meter/diagnostics.ts";
import type { MeterInstrumentation } from "../meter/instrumentation.ts";
import { disableOtel, enableOtel } from "./enable-otel.ts";
import { createOtelInstrumentation, type OtelOptions } from "./otel-instrumentation.ts";
import {
  checkEndpoint,
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
  importOptional,
  type OtlpProtocol,
  resolveProtocol,
} from "./otlp-exporters.ts";
import { loadTraceSdk } from "./trace-sdk.ts";

/** How long `shutdown()` waits for the exporters before giving up on unsent telemetry. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Options of `startOtelExport`: where llmeter itself sends its spans, metrics and logs. */
export interface OtelExportOptions
  extends Pick<OtelOptions, "spans" | "metrics" | "logs" | "captureContent" | "legacyAttributes"> {
  /**
   * The collector's OTLP/HTTP base URL (`/v1/traces`, `/v1/metrics`, `/v1/logs` are appended) or
   * its OTLP/gRPC address (`http://` plaintext, `https://` TLS). Default: the standard
   * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` variables, read by the
   * official exporters, else `http://localhost:4318` (`http://localhost:4317` for gRPC).
   */
  endpoint?: string;
  /** `http/protobuf`, `http/json` or `grpc`. Default `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Request headers (gRPC metadata), e.g. auth. Default: `OTEL_EXPORTER_OTLP_HEADERS`, read by the exporters. */
  headers?: Record<string, string>;
  /** `service.name` of the resource. Default `OTEL_SERVICE_NAME`, else `llmeter`. */
  serviceName?: string;
  /** How often metrics are pushed. Default 60 s. */
  metricIntervalMs?: number;
  /** Where trouble at shutdown (a collector refusing or hanging) is reported. Default: stderr. */
  diagnostics?: DiagnosticsLogger;
}

/** A running export pipeline: llmeter's own providers and exporters. */
export interface OtelExportPipeline {
  readonly instrumentation: MeterInstrumentation;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /** Sends everything buffered now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the exporters (`startOtelExport`'s also turns the process-wide instrumentation off). */
  shutdown(): Promise<void>;
}

/**
 * For applications without an OpenTelemetry setup: creates SDK providers with the official OTLP
 * exporters (batched) and makes every meter export through them. Applications that already
 * configure OpenTelemetry should not call it: `import "llmeter/otel"` uses their providers.
 * Needs the optional packages `@opentelemetry/sdk-trace` (`sdk-trace-base` on the 2.x line), `sdk-metrics`, `sdk-logs`,
 * `resources` and the `exporter-{trace,metrics,logs}-otlp-{proto,http,grpc}` for the protocol.
 *
 * @example
 * const pipeline = await startOtelExport({ endpoint: "http://collector:4318" });
 * // ... on exit:
 * await pipeline.shutdown();
 */
export async function startOtelExport(
  options: OtelExportOptions = {},
): Promise<OtelExportPipeline> {
  const providers = await createExportProviders(options);
  const instrumentation = enableOtel({ ...instrumentationOptions(options), ...providers });
  return {
    instrumentation,
    ...providers,
    forceFlush: () => flushProviders(providers),
    async shutdown() {
      disableOtel();
      await shutdownProviders(providers, options.diagnostics);
    },
  };
}

/**
 * Like `startOtelExport`, but registers nothing process-wide: the pipeline's `instrumentation`
 * is for one meter (`createMeter({ otel: { endpoint } })` uses it). `shutdown()` flushes and
 * stops the exporters.
 *
 * @example
 * const pipeline = await createOtelExportPipeline({ endpoint: "http://collector:4317", protocol: "grpc" });
 * const meter = createMeter({ instrumentations: [pipeline.instrumentation] });
 */
export async function createOtelExportPipeline(
  options: OtelExportOptions = {},
): Promise<OtelExportPipeline> {
  const providers = await createExportProviders(options);
  return {
    instrumentation: createOtelInstrumentation({
      ...instrumentationOptions(options),
      ...providers,
    }),
    ...providers,
    forceFlush: () => flushProviders(providers),
    shutdown: () => shutdownProviders(providers, options.diagnostics),
  };
}

interface ExportProviders {
  tracerProvider: import("@opentelemetry/sdk-trace").TracerProvider;
  meterProvider: import("@opentelemetry/sdk-metrics").MeterProvider;
  loggerProvider: import("@opentelemetry/sdk-logs").LoggerProvider;
}

function instrumentationOptions(options: OtelExportOptions): OtelOptions {
  return {
    spans: options.spans,
    metrics: options.metrics,
    logs: options.logs,
    captureContent: options.captureContent,
    legacyAttributes: options.legacyAttributes,
  };
}

/** SDK providers whose processors and readers push through the official OTLP exporters. */
async function createExportProviders(options: OtelExportOptions): Promise<ExportProviders> {
  const protocol = resolveProtocol(options.protocol);
  const connection = {
    endpoint:
      options.endpoint === undefined ? undefined : checkEndpoint(options.endpoint, protocol),
    protocol,
    headers: options.headers,
  };
  const [traceSdk, metricsSdk, logsSdk, resources] = await Promise.all([
    loadTraceSdk(),
    importOptional(() => import("@opentelemetry/sdk-metrics"), "@opentelemetry/sdk-metrics"),
    importOptional(() => import("@opentelemetry/sdk-logs"), "@opentelemetry/sdk-logs"),
    importOptional(() => import("@opentelemetry/resources"), "@opentelemetry/resources"),
  ]);
  const resource = resources.resourceFromAttributes({
    "service.name": options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? "llmeter",
  });
  const tracerProvider = traceSdk.createTracerProvider({
    resource,
    spanProcessors:
      options.spans === false
        ? []
        : [traceSdk.batchSpanProcessor(await createSpanExporter(connection))],
  });
  const meterProvider = new metricsSdk.MeterProvider({
    resource,
    readers:
      options.metrics === false
        ? []
        : [
            new metricsSdk.PeriodicExportingMetricReader({
              exporter: await createMetricExporter(connection),
              exportIntervalMillis: options.metricIntervalMs ?? 60_000,
            }),
          ],
  });
  const loggerProvider = new logsSdk.LoggerProvider({
    resource,
    processors:
      options.logs === false
        ? []
        : [
            new logsSdk.BatchLogRecordProcessor({
              exporter: (await createLogExporter(connection)) as LogRecordExporter,
            }),
          ],
  });
  return { tracerProvider, meterProvider, loggerProvider };
}

async function flushProviders(providers: ExportProviders): Promise<void> {
  await Promise.all([
    providers.tracerProvider.forceFlush(),
    providers.meterProvider.forceFlush(),
    providers.loggerProvider.forceFlush(),
  ]);
}

// Never rejects: telemetry must not fail the application's own shutdown. A collector that
// refuses or hangs is reported once, and waiting is bounded.
async function shutdownProviders(
  providers: ExportProviders,
  diagnostics: DiagnosticsLogger = consoleDiagnostics,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), SHUTDOWN_TIMEOUT_MS);
    timer.unref();
  });
  const results = await Promise.race([
    Promise.allSettled([
      providers.tracerProvider.shutdown(),
      providers.meterProvider.shutdown(),
      providers.loggerProvider.shutdown(),
    ]),
    timeout,
  ]);
  clearTimeout(timer);
  if (results === "timeout") {
    diagnostics(
      "warn",
      `OpenTelemetry export did not finish within ${SHUTDOWN_TIMEOUT_MS} ms of shutdown; unsent telemetry was dropped`,
    );
    return;
  }
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    diagnostics(
      "warn",
      "OpenTelemetry export failed at shutdown; unsent telemetry was dropped",
      (failure as PromiseRejectedResult).reason,
    );
  }
}
