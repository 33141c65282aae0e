import {
  type Context,
  context,
  type MeterProvider,
  ROOT_CONTEXT,
  type Span,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { LoggerProvider } from "@opentelemetry/api-logs";
import type { CallStart, MeterInstrumentation } from "../meter/instrumentation.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import {
  type AttributeOptions,
  eventAttributes,
  genAiProviderName,
  metricAttributes,
  spanName,
} from "./event-attributes.ts";
import {
  emitCallLog,
  endCallSpan,
  eventTimes,
  spanContext,
  startCallSpan,
} from "./event-telemetry.ts";
import { GenAiInstruments } from "./genai-instruments.ts";
import { ProviderLookup } from "./providers.ts";
import { GEN_AI } from "./semconv.ts";

/** Options of `createOtelInstrumentation` and `enableOtel`. */
export interface OtelOptions {
  /** Emit a span per call. Default true. */
  spans?: boolean;
  /** Record the GenAI client metrics and the cost counter. Default true. */
  metrics?: boolean;
  /** Emit one structured log record per call. Default true. */
  logs?: boolean;
  /**
   * Put error messages on spans and logs (they can quote prompts or keys). Default: the
   * `LLMETER_CAPTURE_CONTENT` variable, else false. Events never hold prompt or response text.
   */
  captureContent?: boolean;
  /**
   * Also emit the pre-1.37 `gen_ai.system` attribute. Default: true when
   * `OTEL_SEMCONV_STABILITY_OPT_IN` lists `gen_ai/dup`.
   */
  legacyAttributes?: boolean;
  /** Providers to use instead of the global ones (tests, or several pipelines in one process). */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  loggerProvider?: LoggerProvider;
}

/** What a call carries from its start to `finish`. */
interface CapturedOtel {
  parent: Context;
  /** The live span of a call tracked from its start. */
  span?: Span;
  /** Epoch ms with sub-millisecond precision, when the live span started. */
  startMs?: number;
}

/**
 * Creates the OpenTelemetry instrumentation: for every call, a CLIENT span (child of the caller's
 * active context, started when the call starts), the GenAI client metrics and a log record.
 * `import "llmeter/otel"` registers one for every meter; pass your own to
 * `createMeter({ instrumentations: [...] })` for a single meter.
 */
export function createOtelInstrumentation(options: OtelOptions = {}): MeterInstrumentation {
  return new OtelInstrumentation(options);
}

class OtelInstrumentation implements MeterInstrumentation {
  readonly name = "opentelemetry";
  private readonly lookup: ProviderLookup;
  private readonly spans: boolean;
  private readonly metrics: boolean;
  private readonly logs: boolean;
  private readonly attributeOptions: AttributeOptions;
  private instrumentsMeter: unknown;
  private instruments: GenAiInstruments | undefined;

  constructor(options: OtelOptions) {
    this.lookup = new ProviderLookup(options);
    this.spans = options.spans ?? true;
    this.metrics = options.metrics ?? true;
    this.logs = options.logs ?? true;
    this.attributeOptions = {
      captureContent: options.captureContent ?? envFlag(process.env.LLMETER_CAPTURE_CONTENT),
      legacyAttributes:
        options.legacyAttributes ?? optsInGenAiDup(process.env.OTEL_SEMCONV_STABILITY_OPT_IN),
    };
  }

  // On the caller's stack: only the active context, and a span when a call starts now. With no
  // provider registered, nothing at all: the meter then skips this call (no finish).
  captureContext(call: CallStart): CapturedOtel | undefined {
    const tracer = this.spans ? this.lookup.tracer() : undefined;
    if (
      tracer === undefined &&
      (!this.logs || this.lookup.logger() === undefined) &&
      (!this.metrics || this.lookup.meter() === undefined)
    )
      return undefined;
    const parent = context.active();
    if (call.phase !== "start" || tracer === undefined) return { parent };
    const startMs = performance.timeOrigin + performance.now();
    const attributes = {
      [GEN_AI.providerName]: call.provider === undefined ? "" : genAiProviderName(call.provider),
      [GEN_AI.requestModel]: call.model ?? "",
    };
    const span = startCallSpan(
      tracer,
      parent,
      spanName(call.operation, call.model),
      startMs,
      attributes,
    );
    return { parent, span, startMs };
  }

  runInContext<T>(captured: unknown, fn: () => T): T {
    const { parent, span } = captured as CapturedOtel;
    if (span === undefined || !span.isRecording()) return fn();
    return context.with(trace.setSpan(parent, span), fn);
  }

  // Off the caller's stack: everything else.
  finish(event: UsageEvent, captured: unknown): void {
    const { parent = ROOT_CONTEXT, span: liveSpan, startMs } = (captured ?? {}) as CapturedOtel;
    const tracer = this.spans ? this.lookup.tracer() : undefined;
    const logger = this.logs ? this.lookup.logger() : undefined;
    const meter = this.metrics ? this.lookup.meter() : undefined;
    if (
      liveSpan === undefined &&
      tracer === undefined &&
      logger === undefined &&
      meter === undefined
    )
      return;

    const times =
      startMs !== undefined
        ? { startMs, endMs: startMs + (event.latencyMs ?? 0) }
        : eventTimes(event);
    let logContext = parent;
    if (tracer !== undefined || liveSpan !== undefined) {
      const attributes = eventAttributes(event, this.attributeOptions);
      const span =
        liveSpan ??
        (tracer === undefined
          ? undefined
          : startCallSpan(tracer, parent, spanName(event.operation, event.model), times.startMs));
      if (span !== undefined) {
        endCallSpan(span, event, attributes, times.endMs);
        logContext = spanContext(parent, span);
      }
      if (logger !== undefined) emitCallLog(logger, event, attributes, logContext, times.endMs);
    } else if (logger !== undefined) {
      emitCallLog(
        logger,
        event,
        eventAttributes(event, this.attributeOptions),
        parent,
        times.endMs,
      );
    }
    if (meter !== undefined) {
      if (this.instrumentsMeter !== meter) {
        this.instruments = new GenAiInstruments(meter);
        this.instrumentsMeter = meter;
      }
      this.instruments?.record(event, metricAttributes(event, this.attributeOptions));
    }
  }
}

function envFlag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

/** `OTEL_SEMCONV_STABILITY_OPT_IN` is a comma-separated list; `gen_ai/dup` asks for old names too. */
function optsInGenAiDup(value: string | undefined): boolean {
  return value?.split(",").some((entry) => entry.trim() === "gen_ai/dup") ?? false;
}
