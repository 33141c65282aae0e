import {
  type Attributes,
  type Context,
  context,
  type LoggerProvider,
  type MeterProvider,
  ROOT_CONTEXT,
  type Span,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { CallStart, MeterInstrumentation } from "../meter/instrumentation.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import {
  type AttributeOptions,
  CallShapeCache,
  eventAttributes,
  genAiProviderName,
  spanName,
} from "./event-attributes.ts";
import {
  emitCallLog,
  eventTimes,
  finishCallSpan,
  startCallSpan,
  toHrTime,
} from "./event-telemetry.ts";
import { GenAiInstruments } from "./genai-instruments.ts";
import { ProviderLookup } from "./providers.ts";
import { GEN_AI, GENERAL } from "./semconv.ts";

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
   * Also emit the earlier names beside the current ones: `gen_ai.system` (pre-1.37) and
   * `gen_ai.usage.cache_creation.input_tokens` (now `cache_write`). Default: true when
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
  /** Epoch ms with sub-millisecond precision, when a call tracked from its start started. */
  startMs?: number;
  /** What was known when a tracked call started, for a span started before the call runs. */
  call?: CallStart;
  /** The live span of a `track()` call, started by `runInContext`. */
  span?: Span;
  /** The name and attributes the live span was started with. */
  spanName?: string;
  spanStartAttributes?: Attributes;
}

const NOTHING_CAPTURED: CapturedOtel = { parent: ROOT_CONTEXT };

// Fixed for the life of the process; its getter is not free, and it is read for every call.
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Creates the OpenTelemetry instrumentation: for every call, a CLIENT span (child of the caller's
 * active context, starting when the call starts), the GenAI client metrics and a log record.
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
  private readonly shapes: CallShapeCache;
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
    this.shapes = new CallShapeCache(this.attributeOptions);
  }

  // On the caller's stack: only the active context and, for a call starting now, the clock. The
  // span itself is made by `runInContext` when the call runs inside it (`track()`, and the
  // integrations, which call the SDK through `tracker.run`), so it starts with the call and the
  // call's own work nests under it. A call that never runs inside it (`start()` … `end()` by
  // hand) gets its span in `finish`, with the start time read here: nothing can observe that span
  // before it ends, and making it in one go sets each attribute once, off the caller's stack.
  // With no provider registered, nothing at all: the meter then skips this call (no finish).
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
    return { parent, startMs: TIME_ORIGIN + performance.now(), call };
  }

  // `track()` and `tracker.run()` run the call inside its span, so spans made during the call
  // (the SDK's own HTTP span) nest under it: that span must exist now.
  runInContext<T>(captured: unknown, fn: () => T): T {
    const state = captured as CapturedOtel;
    let span = state.span;
    if (span === undefined) {
      const call = state.call;
      const tracer = call === undefined ? undefined : this.lookup.tracer();
      if (call === undefined || tracer === undefined) return fn();
      const name = spanName(call.operation, call.model);
      const attributes = callStartAttributes(call);
      const startTime = toHrTime(state.startMs ?? Date.now());
      span = startCallSpan(tracer, state.parent, name, startTime, attributes);
      state.span = span;
      state.spanName = name;
      state.spanStartAttributes = attributes;
    }
    if (!span.isRecording()) return fn();
    return context.with(trace.setSpan(state.parent, span), fn);
  }

  // Off the caller's stack: everything else.
  finish(event: UsageEvent, captured: unknown): void {
    const state = (captured ?? NOTHING_CAPTURED) as CapturedOtel;
    const parent = state.parent;
    const liveSpan = state.span;
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
      state.startMs !== undefined
        ? { startMs: state.startMs, endMs: state.startMs + (event.latencyMs ?? 0) }
        : eventTimes(event);
    // Name, span start attributes and metric attribute sets are shared by every call of a shape.
    const shape = this.shapes.get(event);
    // One attribute object for the span and the log record: the same attributes, built once.
    let attributes: Attributes | undefined;
    let logContext = parent;
    if (liveSpan !== undefined) {
      attributes = eventAttributes(event, this.attributeOptions);
      const rename = shape.spanName === state.spanName ? undefined : shape.spanName;
      const endTime = toHrTime(times.endMs);
      finishCallSpan(liveSpan, event, attributes, state.spanStartAttributes, endTime, rename);
      logContext = trace.setSpan(parent, liveSpan);
    } else if (tracer !== undefined) {
      attributes = eventAttributes(event, this.attributeOptions);
      const startAttributes = shape.spanStartAttributes;
      const startTime = toHrTime(times.startMs);
      const span = startCallSpan(tracer, parent, shape.spanName, startTime, startAttributes);
      finishCallSpan(span, event, attributes, startAttributes, toHrTime(times.endMs));
      logContext = trace.setSpan(parent, span);
    }
    if (logger !== undefined) {
      attributes ??= eventAttributes(event, this.attributeOptions);
      emitCallLog(logger, event, attributes, logContext, toHrTime(times.endMs), shape.spanName);
    }
    if (meter !== undefined) {
      if (this.instrumentsMeter !== meter) {
        this.instruments = new GenAiInstruments(meter);
        this.instrumentsMeter = meter;
      }
      this.instruments?.record(event, shape);
    }
  }
}

/** The sampling-relevant attributes known when a tracked call starts (see `spanStartAttributes`). */
function callStartAttributes(call: CallStart): Attributes {
  const attributes: Attributes = {};
  if (call.operation !== undefined) attributes[GEN_AI.operationName] = call.operation;
  if (call.provider !== undefined)
    attributes[GEN_AI.providerName] = genAiProviderName(call.provider);
  if (call.model !== undefined) attributes[GEN_AI.requestModel] = call.model;
  if (call.serverAddress !== undefined) attributes[GENERAL.serverAddress] = call.serverAddress;
  if (call.serverPort !== undefined) attributes[GENERAL.serverPort] = call.serverPort;
  return attributes;
}

function envFlag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

/** `OTEL_SEMCONV_STABILITY_OPT_IN` is a comma-separated list; `gen_ai/dup` asks for old names too. */
function optsInGenAiDup(value: string | undefined): boolean {
  return value?.split(",").some((entry) => entry.trim() === "gen_ai/dup") ?? false;
}
