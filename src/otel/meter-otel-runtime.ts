// The OpenTelemetry side of the meter's `otel` option, loaded with a dynamic import only when the
// option is on (src/otel/meter-otel.ts): the core never imports OpenTelemetry statically.
import { type OtelSetting, type OtelSettingValue, wantsOwnExport } from "../config/otel-setting.ts";
import type { DiagnosticsLogger } from "../meter/diagnostics.ts";
import type { MeterInstrumentation } from "../meter/instrumentation.ts";
import { createOtelInstrumentation } from "./otel-instrumentation.ts";
import { createOtelExportPipeline, type OtelExportPipeline } from "./otlp-pipeline.ts";

/** A meter's OpenTelemetry output, once loaded. */
export interface LoadedMeterOtel {
  instrumentation: MeterInstrumentation;
  /** Stops llmeter's own export when the last meter using it shuts down. Never rejects. */
  shutdown(): Promise<void>;
}

interface SharedPipeline {
  pipeline: Promise<OtelExportPipeline>;
  users: number;
  /** Set once the pipeline is being shut down (last meter, or the process exiting). */
  stopped?: Promise<void>;
}

// Meters with the same export settings share one pipeline: two MeterProviders exporting the same
// metric streams for the same resource would double-count in the backend.
const sharedPipelines = new Map<string, SharedPipeline>();

/**
 * Creates the instrumentation for `setting`: through the application's providers, or through
 * llmeter's own OTLP export pipeline when the setting has an endpoint (or `export: true`).
 * Rejects with the failure (a missing optional package) for the caller to report.
 */
export async function loadMeterOtel(
  setting: true | OtelSetting,
  diagnostics?: DiagnosticsLogger,
): Promise<LoadedMeterOtel> {
  const options = setting === true ? {} : setting;
  if (!wantsOwnExport(setting as OtelSettingValue)) {
    return {
      instrumentation: createOtelInstrumentation(instrumentationOptions(options)),
      shutdown: async () => {},
    };
  }
  const key = pipelineKey(options);
  let shared = sharedPipelines.get(key);
  if (shared === undefined) {
    // The first meter's diagnostics hear about the shared pipeline's trouble.
    shared = {
      pipeline: createOtelExportPipeline({ ...exportOptions(options), diagnostics }),
      users: 0,
    };
    sharedPipelines.set(key, shared);
    installExitHook();
  }
  const entry = shared;
  entry.users += 1;
  let pipeline: OtelExportPipeline;
  try {
    pipeline = await entry.pipeline;
  } catch (error) {
    // Nothing started: the next meter with these settings tries again.
    if (sharedPipelines.get(key) === entry) sharedPipelines.delete(key);
    throw error;
  }
  let released = false;
  return {
    instrumentation: pipeline.instrumentation,
    async shutdown() {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users > 0) {
        await pipeline.forceFlush().catch(() => {});
        return;
      }
      await stopPipeline(key, entry);
    },
  };
}

function stopPipeline(key: string, entry: SharedPipeline): Promise<void> {
  if (sharedPipelines.get(key) === entry) sharedPipelines.delete(key);
  entry.stopped ??= entry.pipeline.then(
    (pipeline) => pipeline.shutdown(),
    () => {},
  );
  return entry.stopped;
}

let exitHookInstalled = false;

// A script that ends without `meter.shutdown()` would lose what the batch processors hold. When
// the event loop runs dry (`beforeExit`), the pipelines send it and stop, once: calls made after
// that (rare: new work scheduled from `beforeExit`) are not exported.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("beforeExit", () => {
    exitHookInstalled = false;
    for (const [key, entry] of [...sharedPipelines]) void stopPipeline(key, entry);
  });
}

function instrumentationOptions(setting: OtelSetting) {
  return {
    spans: setting.spans,
    metrics: setting.metrics,
    logs: setting.logs,
    captureContent: setting.captureContent,
    legacyAttributes: setting.legacyAttributes,
  };
}

function exportOptions(setting: OtelSetting) {
  return {
    ...instrumentationOptions(setting),
    endpoint: setting.endpoint,
    protocol: setting.protocol,
    headers: setting.headers,
    serviceName: setting.serviceName,
    metricIntervalMs: setting.metricIntervalMs,
  };
}

// Same settings, same key, whatever the order of their keys (a replacer array sorts every level).
function pipelineKey(setting: OtelSetting): string {
  const options = exportOptions(setting);
  const keys = [...Object.keys(options), ...Object.keys(setting.headers ?? {})].sort();
  return JSON.stringify(options, keys);
}
