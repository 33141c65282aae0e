import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import type { UsageEvent } from "../usage/usage-event.ts";
import type { CallShape } from "./event-attributes.ts";
import {
  DURATION_BUCKETS,
  GEN_AI_METRICS,
  LLMETER_METRICS,
  TOKEN_USAGE_BUCKETS,
} from "./semconv.ts";

/** A running cost total of one metric attribute set. */
interface CostTotal {
  attributes: Attributes;
  usd: number;
}

/**
 * Cost totals by metric attribute set (keyed by `CallShape.metricKey`), one map per OpenTelemetry
 * meter: every instrumentation recording on that meter adds to the same totals, as they would to
 * one synchronous counter.
 */
const costTotalsByMeter = new WeakMap<Meter, Map<string, CostTotal>>();

/**
 * `llmeter.client.cost` is an asynchronous (observable) counter: a call adds its cost to a running
 * total, and the SDK reads the totals when it collects. A synchronous counter would hash the
 * attribute set on every call; exported, both are the same monotonic sum.
 */
function costTotalsFor(meter: Meter): Map<string, CostTotal> {
  let totals = costTotalsByMeter.get(meter);
  if (totals === undefined) {
    const observed = new Map<string, CostTotal>();
    meter
      .createObservableCounter(LLMETER_METRICS.cost, {
        description: "Cost of GenAI calls in US dollars (priced calls only).",
        unit: "USD",
      })
      .addCallback((result) => {
        for (const total of observed.values()) result.observe(total.usd, total.attributes);
      });
    totals = observed;
    costTotalsByMeter.set(meter, totals);
  }
  return totals;
}

/** The GenAI client metrics and our cost counter, created once per OpenTelemetry meter. */
export class GenAiInstruments {
  private readonly tokenUsage: Histogram;
  private readonly duration: Histogram;
  private readonly timeToFirstChunk: Histogram;
  private readonly timePerOutputChunk: Histogram;
  private readonly costTotals: Map<string, CostTotal>;

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
    this.costTotals = costTotalsFor(meter);
  }

  /** Records one finished call, with the shared attribute sets of its shape. */
  record(event: UsageEvent, shape: CallShape): void {
    const call = shape.metricAttributes;
    if (event.inputTokens !== undefined)
      this.tokenUsage.record(event.inputTokens, shape.inputTokenAttributes);
    if (event.outputTokens !== undefined)
      this.tokenUsage.record(event.outputTokens, shape.outputTokenAttributes);
    if (event.latencyMs !== undefined) this.duration.record(event.latencyMs / 1000, call);
    // The conventions ask for the chunk metrics on streamed calls only.
    if (event.streaming === true && event.timeToFirstTokenMs !== undefined) {
      this.timeToFirstChunk.record(event.timeToFirstTokenMs / 1000, call);
      // We know the number of chunks, not each chunk's time: record the mean gap once per call.
      if (event.chunks !== undefined && event.chunks > 1 && event.latencyMs !== undefined) {
        const perChunk = (event.latencyMs - event.timeToFirstTokenMs) / (event.chunks - 1);
        if (perChunk >= 0) this.timePerOutputChunk.record(perChunk / 1000, call);
      }
    }
    if (event.costUsd !== undefined && event.costUsd > 0) {
      let total = this.costTotals.get(shape.metricKey);
      if (total === undefined) {
        total = { attributes: call, usd: 0 };
        this.costTotals.set(shape.metricKey, total);
      }
      total.usd += event.costUsd;
    }
  }
}
