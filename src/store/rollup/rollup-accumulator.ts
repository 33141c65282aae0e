import {
  addEventToCounts,
  type TotalsCounts,
  totalsFromCounts,
} from "../../stats/aggregate-events.ts";
import type { UsageTotals } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

/** One stored rollup: the sums of the events of one hour × tenant × provider × model × kind. */
export interface RollupSums extends TotalsCounts {
  latencySum: number;
  latency: LatencyHistogram;
  timeToFirstToken: LatencyHistogram;
  errors: Map<string, number>;
}

/**
 * Adds events and stored rollups into `UsageTotals`. Sums are exact (the same arithmetic as
 * `TotalsAccumulator`); percentiles come from mergeable histograms, within 1% of percentile_cont.
 */
export class RollupAccumulator implements RollupSums {
  requests = 0;
  successes = 0;
  cached = 0;
  unpriced = 0;
  streaming = 0;
  inputTokens = 0;
  outputTokens = 0;
  totalTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  reasoningTokens = 0;
  costNano = 0;
  latencySum = 0;
  latency = new LatencyHistogram();
  timeToFirstToken = new LatencyHistogram();
  errors = new Map<string, number>();

  add(event: UsageEvent): void {
    addEventToCounts(this, event);
    if (!event.success) {
      const type = event.errorType ?? "unknown";
      this.errors.set(type, (this.errors.get(type) ?? 0) + 1);
    }
    if (event.latencyMs !== undefined) {
      this.latencySum += event.latencyMs;
      this.latency.add(event.latencyMs);
    }
    if (event.timeToFirstTokenMs !== undefined) this.timeToFirstToken.add(event.timeToFirstTokenMs);
  }

  /** Adds another accumulator's sums (a batch's hourly sums into its daily ones). */
  addSums(other: RollupSums): void {
    this.requests += other.requests;
    this.successes += other.successes;
    this.cached += other.cached;
    this.unpriced += other.unpriced;
    this.streaming += other.streaming;
    this.inputTokens += other.inputTokens;
    this.outputTokens += other.outputTokens;
    this.totalTokens += other.totalTokens;
    this.cacheReadTokens += other.cacheReadTokens;
    this.cacheWriteTokens += other.cacheWriteTokens;
    this.reasoningTokens += other.reasoningTokens;
    this.costNano += other.costNano;
    this.latencySum += other.latencySum;
    this.latency.merge(other.latency);
    this.timeToFirstToken.merge(other.timeToFirstToken);
    for (const [type, count] of other.errors)
      this.errors.set(type, (this.errors.get(type) ?? 0) + count);
  }

  /** Adds a stored rollup (its histograms still encoded, decoded straight into ours). */
  addStored(row: StoredRollup): void {
    this.requests += row.requests;
    this.successes += row.successes;
    this.cached += row.cached;
    this.unpriced += row.unpriced;
    this.streaming += row.streaming;
    this.inputTokens += row.inputTokens;
    this.outputTokens += row.outputTokens;
    this.totalTokens += row.totalTokens;
    this.cacheReadTokens += row.cacheReadTokens;
    this.cacheWriteTokens += row.cacheWriteTokens;
    this.reasoningTokens += row.reasoningTokens;
    this.costNano += row.costNano;
    this.latencySum += row.latencySum;
    if (row.latency !== null) this.latency.mergeEncoded(row.latency);
    if (row.timeToFirstToken !== null) this.timeToFirstToken.mergeEncoded(row.timeToFirstToken);
    if (row.errors !== null) {
      for (const [type, count] of Object.entries(
        JSON.parse(row.errors) as Record<string, number>,
      )) {
        this.errors.set(type, (this.errors.get(type) ?? 0) + count);
      }
    }
  }

  toTotals(): UsageTotals {
    return totalsFromCounts(
      this,
      this.latency.count === 0 ? undefined : this.latencySum / this.latency.count,
      (quantile) => this.latency.percentile(quantile),
      (quantile) => this.timeToFirstToken.percentile(quantile),
    );
  }
}

/** A rollup as read from storage: histograms still encoded, errors as JSON. */
export interface StoredRollup extends TotalsCounts {
  latencySum: number;
  latency: Uint8Array | null;
  timeToFirstToken: Uint8Array | null;
  errors: string | null;
}
