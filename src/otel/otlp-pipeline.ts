import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { LoggerProvider } from "@opentelemetry/api-logs";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import { consoleDiagnostics } from "../meter/diagnostics.ts";
import type { MeterInstrumentation } from "../meter/instrumentation.ts";
import { enableOtel } from "./enable-otel.ts";
import type { OtelOptions } from "./otel-instrumentation.ts";
import {
  checkEndpoint,
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
  importOptional,
  resolveProtocol,
} from "./otlp-exporters.ts";

/** Options of `startOtelExport`: where llmeter itself sends its spans, metrics and logs. */
/** How long `shutdown()` waits for the exporters before giving up on unsent telemetry. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

export interface OtelExportOptions
  extends Pick<OtelOptions, "spans" | "metrics" | "logs" | "captureContent" | "legacyAttributes"> {
  /**
   * The collector's OTLP/HTTP base URL (`/v1/traces`, `/v1/metrics`, `/v1/logs` are appended).
   * Default: the standard `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`
   * variables, read by the official exporters, else `http://localhost:4318`.
   */
  endpoint?: string;
  /** Default `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  protocol?: "http/protobuf" | "http/json";
  /** Request headers (auth). Default: `OTEL_EXPORTER_OTLP_HEADERS`, read by the exporters. */
  headers?: Record<string, string>;
  /** `service.name` of the resource. Default `OTEL_SERVICE_NAME`, else `llmeter`. */
  serviceName?: string;
  /** How often metrics are pushed. Default 60 s. */
  metricIntervalMs?: number;
}

/** A running export pipeline: llmeter's own providers and exporters. */
export interface OtelExportPipeline {
  readonly instrumentation: MeterInstrumentation;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /** Sends everything buffered now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the exporters and turns the process-wide instrumentation off. */
  shutdown(): Promise<void>;
}

/**
 * For applications without an OpenTelemetry setup: creates SDK providers with the official OTLP
 * exporters (batched) and makes every meter export through them. Applications that already
 * configure OpenTelemetry should not call it: `import "llmeter/otel"` uses their providers.
 * Needs the optional packages `@opentelemetry/sdk-trace-base`, `sdk-metrics`, `sdk-logs`,
 * `resources` and the `exporter-{trace,metrics,logs}-otlp-{proto,http}` for the protocol.
 *
 * @example
 * const pipeline = await startOtelExport({ endpoint: "http://collector:4318" });
 * // ... on exit:
 * await pipeline.shutdown();
 */
export async function startOtelExport(
  options: OtelExportOptions = {},
): Promise<OtelExportPipeline> {
  const connection = {
    endpoint: options.endpoint === undefined ? undefined : checkEndpoint(options.endpoint),
    protocol: resolveProtocol(options.protocol),
    headers: options.headers,
  };
  const [traceSdk, metricsSdk, logsSdk, resources] = await Promise.all([
    importOptional(() => import("@opentelemetry/sdk-trace-base"), "@opentelemetry/sdk-trace-base"),
    importOptional(() => import("@opentelemetry/sdk-metrics"), "@opentelemetry/sdk-metrics"),
    importOptional(() => import("@opentelemetry/sdk-logs"), "@opentelemetry/sdk-logs"),
    importOptional(() => import("@opentelemetry/resources"), "@opentelemetry/resources"),
  ]);
  const resource = resources.resourceFromAttributes({
    "service.name": options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? "llmeter",
  });
  const tracerProvider = new traceSdk.BasicTracerProvider({
    resource,
    spanProcessors:
      options.spans === false
        ? []
        : [new traceSdk.BatchSpanProcessor(await createSpanExporter(connection))],
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
  const instrumentation = enableOtel({
    spans: options.spans,
    metrics: options.metrics,
    logs: options.logs,
    captureContent: options.captureContent,
    legacyAttributes: options.legacyAttributes,
    tracerProvider,
    meterProvider,
    loggerProvider,
  });
  const forceFlush = async () => {
    await Promise.all([
      tracerProvider.forceFlush(),
      meterProvider.forceFlush(),
      loggerProvider.forceFlush(),
    ]);
  };
  return {
    instrumentation,
    tracerProvider,
    meterProvider,
    loggerProvider,
    forceFlush,
    // Never rejects: telemetry must not fail the application's own shutdown. A collector that
    // refuses or hangs is reported once, and waiting is bounded.
    async shutdown() {
      const { disableOtel } = await import("./enable-otel.ts");
      disableOtel();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), SHUTDOWN_TIMEOUT_MS);
        timer.unref();
      });
      const results = await Promise.race([
        Promise.allSettled([
          tracerProvider.shutdown(),
          meterProvider.shutdown(),
          loggerProvider.shutdown(),
        ]),
        timeout,
      ]);
      clearTimeout(timer);
      if (results === "timeout") {
        consoleDiagnostics(
          "warn",
          `OpenTelemetry export did not finish within ${SHUTDOWN_TIMEOUT_MS} ms of shutdown; unsent telemetry was dropped`,
        );
        return;
      }
      const failure = results.find((result) => result.status === "rejected");
      if (failure !== undefined) {
        consoleDiagnostics(
          "warn",
          "OpenTelemetry export failed at shutdown; unsent telemetry was dropped",
          (failure as PromiseRejectedResult).reason,
        );
      }
    },
  };
}
