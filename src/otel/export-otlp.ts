import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { UsageEvent } from "../usage/usage-event.ts";
import { eventAttributes, spanName } from "./event-attributes.ts";
import {
  emitCallLog,
  endCallSpan,
  eventTimes,
  spanContext,
  startCallSpan,
} from "./event-telemetry.ts";
import {
  checkEndpoint,
  createLogExporter,
  createSpanExporter,
  defaultEndpoint,
  importOptional,
  type OtlpProtocol,
  type RecordExporter,
  resolveProtocol,
} from "./otlp-exporters.ts";
import { SCOPE_NAME, SCOPE_VERSION } from "./providers.ts";
import { loadTraceSdk } from "./trace-sdk.ts";

/** Options of `exportOtlp` and `toOtlpJsonLines`. */
export interface OtlpExportOptions {
  /**
   * Base URL of the collector's OTLP/HTTP receiver (`/v1/traces` and `/v1/logs` are appended), or
   * its OTLP/gRPC address. Default `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318`
   * (`http://localhost:4317` for gRPC).
   */
  endpoint?: string;
  /** Default `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Extra request headers (auth). Default: parsed from `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /** Send spans and/or log records. Default both. */
  spans?: boolean;
  logs?: boolean;
  /** `service.name` of the resource. Default `OTEL_SERVICE_NAME`, else `llmeter`. */
  serviceName?: string;
  /** Put error messages on spans and logs. Default false. */
  captureContent?: boolean;
  /** Per-request timeout. Default 10 s. */
  timeoutMillis?: number;
}

/** What `exportOtlp` sent. */
export interface OtlpExportResult {
  spans: number;
  logs: number;
}

/** Events turned into OTLP in chunks, so that a large ledger never sits in memory twice. */
const CHUNK_SIZE = 1000;

/**
 * Pushes ledger events to an OTLP/HTTP endpoint as spans (one CLIENT span per call, with the
 * call's own start and end times) and structured log records, through the official OpenTelemetry
 * exporters. Rejects with a clear error if the endpoint refuses them.
 *
 * @example
 * await exportOtlp(events, { endpoint: "http://localhost:4318", protocol: "http/json" });
 */
export async function exportOtlp(
  events: Iterable<UsageEvent>,
  options: OtlpExportOptions = {},
): Promise<OtlpExportResult> {
  const settings = resolveExportSettings(options);
  const exporters = await createExporters(settings);
  const sent: OtlpExportResult = { spans: 0, logs: 0 };
  try {
    for (const chunk of chunks(events, CHUNK_SIZE)) {
      const records = await buildOtlpRecords(chunk, settings);
      if (exporters.spans !== undefined && records.spans.length > 0) {
        await exportOrThrow(exporters.spans, records.spans, signalUrl(settings, "traces"));
        sent.spans += records.spans.length;
      }
      if (exporters.logs !== undefined && records.logs.length > 0) {
        await exportOrThrow(exporters.logs, records.logs, signalUrl(settings, "logs"));
        sent.logs += records.logs.length;
      }
    }
  } finally {
    await Promise.all([exporters.spans?.shutdown(), exporters.logs?.shutdown()]);
  }
  return sent;
}

/**
 * The events as OTLP/JSON, one export request per line (`{"resourceSpans":...}` then
 * `{"resourceLogs":...}`), the format of the OpenTelemetry Collector's file exporter and receiver.
 */
export async function toOtlpJsonLines(
  events: Iterable<UsageEvent>,
  options: Pick<OtlpExportOptions, "spans" | "logs" | "serviceName" | "captureContent"> = {},
): Promise<string> {
  const settings = resolveExportSettings(options);
  const { JsonLogsSerializer, JsonTraceSerializer } = await importOptional(
    () => import("@opentelemetry/otlp-transformer"),
    "@opentelemetry/otlp-transformer",
  );
  const decoder = new TextDecoder();
  const lines: string[] = [];
  for (const chunk of chunks(events, CHUNK_SIZE)) {
    const records = await buildOtlpRecords(chunk, settings);
    if (settings.spans && records.spans.length > 0)
      lines.push(decoder.decode(JsonTraceSerializer.serializeRequest(records.spans)));
    if (settings.logs && records.logs.length > 0)
      lines.push(decoder.decode(JsonLogsSerializer.serializeRequest(records.logs)));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

interface ExportSettings {
  endpoint: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  spans: boolean;
  logs: boolean;
  serviceName: string;
  captureContent: boolean;
  timeoutMillis: number;
}

function resolveExportSettings(options: OtlpExportOptions): ExportSettings {
  const protocol = resolveProtocol(options.protocol);
  const endpoint = checkEndpoint(
    options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? defaultEndpoint(protocol),
    protocol,
  );
  return {
    endpoint,
    protocol,
    headers: options.headers ?? parseHeaders(process.env.OTEL_EXPORTER_OTLP_HEADERS),
    spans: options.spans ?? true,
    logs: options.logs ?? true,
    serviceName: options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? "llmeter",
    captureContent: options.captureContent ?? false,
    timeoutMillis: options.timeoutMillis ?? 10_000,
  };
}

/** Where a signal goes, for messages: gRPC has one address, OTLP/HTTP a path per signal. */
function signalUrl(settings: ExportSettings, signal: "traces" | "logs"): string {
  return settings.protocol === "grpc" ? settings.endpoint : `${settings.endpoint}/v1/${signal}`;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, values URL-encoded. */
function parseHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of value?.split(",") ?? []) {
    const index = pair.indexOf("=");
    if (index <= 0) continue;
    headers[pair.slice(0, index).trim()] = decodeURIComponent(pair.slice(index + 1).trim());
  }
  return headers;
}

async function createExporters(settings: ExportSettings): Promise<{
  spans?: RecordExporter<ReadableSpan>;
  logs?: RecordExporter<ReadableLogRecord>;
}> {
  return {
    spans: settings.spans ? await createSpanExporter(settings) : undefined,
    logs: settings.logs ? await createLogExporter(settings) : undefined,
  };
}

function exportOrThrow<T>(exporter: RecordExporter<T>, items: T[], url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(items, (result) => {
      // ExportResultCode.SUCCESS is 0.
      if (result.code === 0) resolve();
      else
        reject(
          new Error(
            `llmeter: the OTLP endpoint ${url} did not accept ${items.length} record(s): ${result.error?.message ?? "unknown error"}; check the URL, the protocol and the headers`,
            { cause: result.error },
          ),
        );
    });
  });
}

/** Turns events into finished SDK spans and log records, as the live instrumentation would. */
async function buildOtlpRecords(
  events: readonly UsageEvent[],
  settings: Pick<ExportSettings, "serviceName" | "captureContent" | "spans" | "logs">,
): Promise<{ spans: ReadableSpan[]; logs: ReadableLogRecord[] }> {
  const [traceSdk, logsSdk, resources] = await Promise.all([
    loadTraceSdk(),
    importOptional(() => import("@opentelemetry/sdk-logs"), "@opentelemetry/sdk-logs"),
    importOptional(() => import("@opentelemetry/resources"), "@opentelemetry/resources"),
  ]);
  const resource = resources.resourceFromAttributes({ "service.name": settings.serviceName });
  const spanStore = traceSdk.inMemorySpanExporter();
  const logStore = new logsSdk.InMemoryLogRecordExporter();
  const tracerProvider = traceSdk.createTracerProvider({
    resource,
    spanProcessors: [traceSdk.simpleSpanProcessor(spanStore)],
    // Every event becomes a span: a ledger export is not sampled.
    sampler: traceSdk.alwaysOnSampler(),
  });
  const loggerProvider = new logsSdk.LoggerProvider({
    resource,
    processors: [new logsSdk.SimpleLogRecordProcessor({ exporter: logStore })],
  });
  const tracer = tracerProvider.getTracer(SCOPE_NAME, SCOPE_VERSION);
  const logger = loggerProvider.getLogger(SCOPE_NAME, SCOPE_VERSION);
  const attributeOptions = { captureContent: settings.captureContent, legacyAttributes: false };
  for (const event of events) {
    const attributes = eventAttributes(event, attributeOptions);
    const times = eventTimes(event);
    const span = startCallSpan(
      tracer,
      ROOT_CONTEXT,
      spanName(event.operation, event.model),
      times.startMs,
    );
    endCallSpan(span, event, attributes, times.endMs);
    if (settings.logs)
      emitCallLog(logger, event, attributes, spanContext(ROOT_CONTEXT, span), times.endMs);
  }
  await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
  const result = {
    spans: settings.spans ? [...spanStore.getFinishedSpans()] : [],
    logs: [...logStore.getFinishedLogRecords()],
  };
  await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  return result;
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
