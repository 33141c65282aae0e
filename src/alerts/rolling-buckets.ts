import { LatencyHistogram } from "../store/rollup/latency-histogram.ts";

/** What a bucket of calls adds up: counts, spend and two sketches (DDSketch-style histograms). */
export interface CallBucket {
  startMs: number;
  calls: number;
  errors: number;
  costUsd: number;
  latency: LatencyHistogram;
  timeToFirstToken: LatencyHistogram;
}

/** Sums over the buckets in a span. */
export interface CallSummary {
  calls: number;
  errors: number;
  costUsd: number;
  latencyP95Ms: number | undefined;
  timeToFirstTokenP95Ms: number | undefined;
}

/** Buckets per window: the window slides in steps of 1/12 of its length. */
const BUCKETS_PER_WINDOW = 12;

/**
 * A rolling window of calls in fixed-width buckets, so memory stays bounded however many calls
 * arrive (at most `span / width` buckets, each with two fixed-accuracy latency histograms).
 */
export class RollingBuckets {
  readonly widthMs: number;
  private readonly spanMs: number;
  private readonly buckets: CallBucket[] = [];

  /** `windowMs` sets the bucket width; `spanMs` (≥ windowMs) how long buckets are kept. */
  constructor(windowMs: number, spanMs = windowMs) {
    this.widthMs = Math.max(1, Math.floor(windowMs / BUCKETS_PER_WINDOW));
    this.spanMs = spanMs;
  }

  add(
    atMs: number,
    call: { success: boolean; costUsd?: number; latencyMs?: number; timeToFirstTokenMs?: number },
  ): void {
    const startMs = atMs - (atMs % this.widthMs);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.startMs < startMs) {
      bucket = {
        startMs,
        calls: 0,
        errors: 0,
        costUsd: 0,
        latency: new LatencyHistogram(),
        timeToFirstToken: new LatencyHistogram(),
      };
      this.buckets.push(bucket);
    } else if (bucket.startMs > startMs) {
      // A late event: file it in its own bucket if still kept, else drop it.
      const own = this.buckets.find((candidate) => candidate.startMs === startMs);
      if (own === undefined) return;
      bucket = own;
    }
    bucket.calls += 1;
    if (!call.success) bucket.errors += 1;
    bucket.costUsd += call.costUsd ?? 0;
    if (call.latencyMs !== undefined) bucket.latency.add(call.latencyMs);
    if (call.timeToFirstTokenMs !== undefined) bucket.timeToFirstToken.add(call.timeToFirstTokenMs);
    this.evict(atMs);
  }

  /** Calls in the last `lengthMs` up to `nowMs` (whole buckets). */
  summary(nowMs: number, lengthMs: number): CallSummary {
    const fromMs = nowMs - lengthMs;
    const latency = new LatencyHistogram();
    const timeToFirstToken = new LatencyHistogram();
    let calls = 0;
    let errors = 0;
    let costUsd = 0;
    for (const bucket of this.buckets) {
      if (bucket.startMs + this.widthMs <= fromMs || bucket.startMs > nowMs) continue;
      calls += bucket.calls;
      errors += bucket.errors;
      costUsd += bucket.costUsd;
      latency.merge(bucket.latency);
      timeToFirstToken.merge(bucket.timeToFirstToken);
    }
    return {
      calls,
      errors,
      costUsd,
      latencyP95Ms: latency.percentile(0.95),
      timeToFirstTokenP95Ms: timeToFirstToken.percentile(0.95),
    };
  }

  /** Start of the oldest bucket kept, or undefined when empty. */
  oldestMs(): number | undefined {
    return this.buckets[0]?.startMs;
  }

  private evict(nowMs: number): void {
    while (
      this.buckets.length > 0 &&
      (this.buckets[0] as CallBucket).startMs + this.widthMs <= nowMs - this.spanMs
    ) {
      this.buckets.shift();
    }
  }
}
