// `llmeter/otel`: OpenTelemetry spans, metrics and logs for every recorded call.
// Importing this module registers the instrumentation for every meter (see `enableOtel`);
// `LLMETER_OTEL=false` keeps the import from turning anything on. A meter's own `otel` option
// (or the `otel` setting) replaces this process-wide instrumentation for that meter.
import { enableOtel } from "./enable-otel.ts";

if (!/^(0|false|no|off)$/i.test(process.env.LLMETER_OTEL?.trim() ?? "")) enableOtel();

export { activeOtelInstrumentation, disableOtel, enableOtel } from "./enable-otel.ts";
export { type AttributeOptions, eventAttributes, metricAttributes } from "./event-attributes.ts";
export { USAGE_LOG_EVENT_NAME } from "./event-telemetry.ts";
export {
  exportOtlp,
  type OtlpExportOptions,
  type OtlpExportResult,
  toOtlpJsonLines,
} from "./export-otlp.ts";
export { createOtelInstrumentation, type OtelOptions } from "./otel-instrumentation.ts";
export type { OtlpProtocol } from "./otlp-exporters.ts";
export {
  createOtelExportPipeline,
  type OtelExportOptions,
  type OtelExportPipeline,
  startOtelExport,
} from "./otlp-pipeline.ts";
export {
  DURATION_BUCKETS,
  GEN_AI,
  GEN_AI_COST,
  GEN_AI_METRICS,
  GENERAL,
  LLMETER,
  LLMETER_METRICS,
  TOKEN_USAGE_BUCKETS,
} from "./semconv.ts";
