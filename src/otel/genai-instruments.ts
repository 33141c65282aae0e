import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import type { UsageEvent } from "../usage/usage-event.ts";
import {
  DURATION_BUCKETS,
  GEN_AI,
  GEN_AI_METRICS,
  LLMETER_METRICS,
  TOKEN_TYPE,
  TOKEN_USAGE_BUCKETS,
} from "./semconv.ts";

/** The GenAI client metrics and our cost counter, created once per OpenTelemetry meter. */
export class GenAiInstruments {
  private readonly tokenUsage: Histogram;
  private readonly duration: Histogram;
  private readonly timeToFirstChunk: Histogram;
  private readonly timePerOutputChunk: Histogram;
  private readonly cost: Counter;

  constructor(meter: Meter) {
    this.tokenUsage = meter.createHistogram(GEN_AI_METRICS.tokenUsage, {
      description: "Number of input and output tokens used.",
      unit: "{token}",
      advice: { explicitBucketBoundaries: [...TOKEN_USAGE_BUCKETS] },
    });
    this.duration = meter.createHistogram(GEN_AI_METRICS.operationDuration, {
      description: "GenAI operation duration.",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.timeToFirstChunk = meter.createHistogram(GEN_AI_METRICS.timeToFirstChunk, {
      description: "Time to receive the first chunk of a streamed response.",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.timePerOutputChunk = meter.createHistogram(GEN_AI_METRICS.timePerOutputChunk, {
      description: "Time per output chunk after the first one (the call's mean).",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.cost = meter.createCounter(LLMETER_METRICS.cost, {
      description: "Cost of GenAI calls in US dollars (priced calls only).",
      unit: "USD",
    });
  }

  /** Records one finished call. `attributes` are the low-cardinality metric attributes. */
  record(event: UsageEvent, attributes: Attributes): void {
    if (event.inputTokens !== undefined)
      this.tokenUsage.record(event.inputTokens, {
        ...attributes,
        [GEN_AI.tokenType]: TOKEN_TYPE.input,
      });
    if (event.outputTokens !== undefined)
      this.tokenUsage.record(event.outputTokens, {
        ...attributes,
        [GEN_AI.tokenType]: TOKEN_TYPE.output,
      });
    if (event.latencyMs !== undefined) this.duration.record(event.latencyMs / 1000, attributes);
    // The conventions ask for the chunk metrics on streamed calls only.
    if (event.streaming === true && event.timeToFirstTokenMs !== undefined) {
      this.timeToFirstChunk.record(event.timeToFirstTokenMs / 1000, attributes);
      // We know the number of chunks, not each chunk's time: record the mean gap once per call.
      if (event.chunks !== undefined && event.chunks > 1 && event.latencyMs !== undefined) {
        const perChunk = (event.latencyMs - event.timeToFirstTokenMs) / (event.chunks - 1);
        if (perChunk >= 0) this.timePerOutputChunk.record(perChunk / 1000, attributes);
      }
    }
    if (event.costUsd !== undefined && event.costUsd > 0) this.cost.add(event.costUsd, attributes);
  }
}
