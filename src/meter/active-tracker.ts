import { performance } from "node:perf_hooks";
import type { Attribution, CostBreakdown, PriceSource, TokenUsage } from "../usage/usage-event.ts";
import {
  type AttributionInput,
  currentAttribution,
  mergeAttribution,
  toAttribution,
} from "./attribution.ts";
import { errorDetailsOf } from "./error-details.ts";
import { type CapturedCall, runInCapturedContexts } from "./instrumentation.ts";
import type {
  RecordInput,
  ResponseDetails,
  TrackerHandle,
  TrackInfo,
  UsageUnits,
} from "./types.ts";

const performanceNow = () => performance.now();

/**
 * One call being measured. It collects what the caller tells it and, at `end()`, hands a raw event
 * to `submit`. Kept lean: it runs on the caller's stack.
 */
export class ActiveTracker implements TrackerHandle {
  private readonly startedAtMs: number;
  private readonly startedAtPerf: number;
  private readonly elapsed: () => number;
  private readonly fields: RecordInput;
  private readonly submit: (event: RecordInput) => void;
  private ended = false;
  private readonly instrumentationCalls: CapturedCall[] | undefined;
  private readonly onDiscard: ((fields: RecordInput) => void) | undefined;

  constructor(
    info: TrackInfo,
    submit: (event: RecordInput) => void,
    instrumentationCalls?: CapturedCall[],
    onDiscard?: (fields: RecordInput) => void,
    /** The meter's clock, so that an event's timestamp and the meter's periods agree. */
    now: () => number = Date.now,
    /** The clock durations are measured on: monotonic by default, a test's clock when injected. */
    elapsed: () => number = performanceNow,
  ) {
    this.startedAtMs = now();
    this.elapsed = elapsed;
    this.startedAtPerf = elapsed();
    this.fields = { ...info };
    // Attribution is taken where the call starts: `end()` may run in another async context.
    const context = currentAttribution();
    if (context !== undefined) (this.fields as { context?: Attribution }).context = context;
    this.submit = submit;
    this.instrumentationCalls = instrumentationCalls;
    this.onDiscard = onDiscard;
  }

  run<T>(fn: () => T): T {
    const calls = this.instrumentationCalls;
    return calls === undefined ? fn() : runInCapturedContexts(calls, fn);
  }

  discard(): void {
    if (this.ended) return;
    this.ended = true;
    this.onDiscard?.(this.fields);
  }

  setTokens(usage: TokenUsage): void {
    Object.assign(this.fields, usage);
  }

  setUsage(usage: UsageUnits): void {
    Object.assign(this.fields, usage);
  }

  setStreaming(details?: { timeToFirstTokenMs?: number; chunks?: number }): void {
    this.fields.streaming = true;
    if (details?.timeToFirstTokenMs !== undefined)
      this.fields.timeToFirstTokenMs = details.timeToFirstTokenMs;
    if (details?.chunks !== undefined) this.fields.chunks = details.chunks;
  }

  firstToken(): void {
    this.fields.streaming = true;
    this.fields.timeToFirstTokenMs ??= this.elapsed() - this.startedAtPerf;
  }

  chunk(): void {
    if (this.fields.chunks === undefined) {
      this.firstToken();
      this.fields.chunks = 1;
    } else {
      this.fields.chunks += 1;
    }
  }

  setCached(cached = true): void {
    this.fields.cached = cached;
  }

  setCost(costUsd: number, breakdown?: CostBreakdown, source: PriceSource = "manual"): void {
    this.fields.costUsd = costUsd;
    this.fields.priceSource = source;
    if (breakdown !== undefined) this.fields.costBreakdown = breakdown;
  }

  setError(error: unknown): void {
    this.fields.success = false;
    // Raw here: the meter's normalization redacts the message before the event exists.
    Object.assign(this.fields, errorDetailsOf(error));
  }

  setAttributes(attributes: AttributionInput): void {
    const merged = mergeAttribution(this.fields as Attribution, toAttribution(attributes));
    Object.assign(this.fields, merged);
  }

  setResponse(details: ResponseDetails): void {
    if (details.responseModel !== undefined) this.fields.responseModel = details.responseModel;
    if (details.requestId !== undefined) this.fields.requestId = details.requestId;
    if (details.serviceTier !== undefined) this.fields.serviceTier = details.serviceTier;
    if (details.finishReasons !== undefined) this.fields.finishReasons = details.finishReasons;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const fields = this.fields;
    fields.latencyMs = this.elapsed() - this.startedAtPerf;
    fields.timestamp = this.startedAtMs;
    // Carried to the meter's drain with the event: see MeterInstrumentation.
    if (this.instrumentationCalls !== undefined)
      (fields as { instrumentationCalls?: CapturedCall[] }).instrumentationCalls =
        this.instrumentationCalls;
    this.submit(fields);
  }
}
