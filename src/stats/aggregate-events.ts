import type { UsageEvent } from "../usage/usage-event.ts";
import { percentile } from "./percentile.ts";
import { dayKey, monthKey, weekKey } from "./time-buckets.ts";
import type { GroupBy, UsageFilter, UsageGroup, UsageTotals } from "./usage-stats.ts";

/** Key used for events that lack the grouped field (no tenant, no user, ...). */
export const NONE_KEY = "(none)";

/**
 * Adds events one at a time and produces `UsageTotals`. Percentiles are exact: the in-memory
 * window is bounded by `maxHistory`, so keeping its latencies is cheap.
 */
export class TotalsAccumulator {
  private readonly counts: TotalsCounts = emptyCounts();
  private readonly latencies: number[] = [];
  private readonly timesToFirstToken: number[] = [];

  add(event: UsageEvent): void {
    addEventToCounts(this.counts, event);
    if (event.latencyMs !== undefined) this.latencies.push(event.latencyMs);
    if (event.timeToFirstTokenMs !== undefined)
      this.timesToFirstToken.push(event.timeToFirstTokenMs);
  }

  toTotals(): UsageTotals {
    const latencies = this.latencies.sort(ascending);
    const ttft = this.timesToFirstToken.sort(ascending);
    let latencySum = 0;
    for (const value of latencies) latencySum += value;
    return totalsFromCounts(
      this.counts,
      latencies.length === 0 ? undefined : latencySum / latencies.length,
      (quantile) => percentile(latencies, quantile),
      (quantile) => percentile(ttft, quantile),
    );
  }
}

/** The sums `UsageTotals` are derived from, as every accumulator (memory, rollups) keeps them. */
export interface TotalsCounts {
  requests: number;
  successes: number;
  cached: number;
  unpriced: number;
  streaming: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Cost in integer nano-dollars: many small costs add up without float drift. */
  costNano: number;
}

/** Counts of no events at all. */
export function emptyCounts(): TotalsCounts {
  return {
    requests: 0,
    successes: 0,
    cached: 0,
    unpriced: 0,
    streaming: 0,
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNano: 0,
  };
}

/** Adds one event to `counts`: the same arithmetic for every accumulator. */
export function addEventToCounts(counts: TotalsCounts, event: UsageEvent): void {
  counts.requests += 1;
  if (event.success) counts.successes += 1;
  if (event.cached === true) counts.cached += 1;
  if (event.streaming === true) counts.streaming += 1;
  counts.inputTokens += event.inputTokens ?? 0;
  counts.outputTokens += event.outputTokens ?? 0;
  counts.totalTokens += eventTotalTokens(event);
  counts.cacheReadTokens += event.cacheReadTokens ?? 0;
  counts.cacheWriteTokens += eventCacheWriteTokens(event);
  counts.reasoningTokens += event.reasoningTokens ?? 0;
  if (event.costUsd === undefined) {
    // A cached response costs nothing: it is not "unpriced".
    if (!event.cached) counts.unpriced += 1;
  } else {
    counts.costNano += nanoUsd(event.costUsd);
  }
}

/**
 * A cost in integer nano-dollars (0 for none): costs are summed so, so that many small costs add
 * up without float drift, everywhere totals are kept (rollups, reprice, drift).
 */
export function nanoUsd(costUsd: number | undefined): number {
  return costUsd === undefined ? 0 : Math.round(costUsd * 1e9);
}

/** A percentile (quantile 0..1) of a distribution; undefined when it holds no value. */
export type PercentileOf = (quantile: number) => number | undefined;

/** The percentiles `UsageTotals` reports (p50, p95, p99), in this order. */
export const TOTALS_QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * `UsageTotals` from the sums and the latency distributions: the rates, averages and dollar cost
 * are derived here once, whatever kept the sums (exact lists in memory, histograms in rollups).
 */
export function totalsFromCounts(
  counts: TotalsCounts,
  avgLatencyMs: number | undefined,
  latencyAt: PercentileOf,
  timeToFirstTokenAt: PercentileOf,
): UsageTotals {
  const totalCostUsd = counts.costNano / 1e9;
  return {
    totalRequests: counts.requests,
    successfulRequests: counts.successes,
    failedRequests: counts.requests - counts.successes,
    successRate: counts.requests === 0 ? 1 : counts.successes / counts.requests,
    cachedRequests: counts.cached,
    unpricedRequests: counts.unpriced,
    streamingRequests: counts.streaming,
    totalInputTokens: counts.inputTokens,
    totalOutputTokens: counts.outputTokens,
    totalTokens: counts.totalTokens,
    totalCacheReadTokens: counts.cacheReadTokens,
    totalCacheWriteTokens: counts.cacheWriteTokens,
    totalReasoningTokens: counts.reasoningTokens,
    totalCostUsd,
    avgCostPerRequest: counts.requests === 0 ? 0 : totalCostUsd / counts.requests,
    avgLatencyMs,
    latencyP50: latencyAt(TOTALS_QUANTILES[0]),
    latencyP95: latencyAt(TOTALS_QUANTILES[1]),
    latencyP99: latencyAt(TOTALS_QUANTILES[2]),
    timeToFirstTokenP50: timeToFirstTokenAt(TOTALS_QUANTILES[0]),
    timeToFirstTokenP95: timeToFirstTokenAt(TOTALS_QUANTILES[1]),
    timeToFirstTokenP99: timeToFirstTokenAt(TOTALS_QUANTILES[2]),
  };
}

/** The totals of no events at all (percentiles undefined). */
export function emptyTotals(): UsageTotals {
  return new TotalsAccumulator().toTotals();
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** `totalTokens` as reported, else input + output. */
export function eventTotalTokens(event: UsageEvent): number {
  return event.totalTokens ?? (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
}

/** All cache-write tokens, whatever their duration. */
export function eventCacheWriteTokens(event: UsageEvent): number {
  return (
    (event.cacheWriteTokens ?? 0) +
    (event.cacheWrite5mTokens ?? 0) +
    (event.cacheWrite1hTokens ?? 0)
  );
}

/** Whether `event` is inside `filter`. */
export function matchesFilter(event: UsageEvent, filter: UsageFilter): boolean {
  if (filter.sinceMs !== undefined || filter.untilMs !== undefined) {
    const time = Date.parse(event.timestamp);
    if (filter.sinceMs !== undefined && time < filter.sinceMs) return false;
    if (filter.untilMs !== undefined && time >= filter.untilMs) return false;
  }
  if (filter.tenantId !== undefined && event.tenantId !== filter.tenantId) return false;
  if (filter.userId !== undefined && event.userId !== filter.userId) return false;
  if (filter.sessionId !== undefined && event.sessionId !== filter.sessionId) return false;
  if (filter.provider !== undefined && event.provider !== filter.provider) return false;
  if (filter.model !== undefined && event.model !== filter.model) return false;
  if (filter.kind !== undefined && event.kind !== filter.kind) return false;
  return true;
}

/** The group key of `event` for `groupBy`; time buckets are computed in `timeZone`. */
export function groupKey(event: UsageEvent, groupBy: GroupBy, timeZone: string): string {
  switch (groupBy) {
    case "provider":
      return event.provider;
    case "model":
      return event.model;
    case "tenant":
      return event.tenantId ?? NONE_KEY;
    case "user":
      return event.userId ?? NONE_KEY;
    case "session":
      return event.sessionId ?? NONE_KEY;
    case "kind":
      return event.kind;
    case "day":
      return dayKey(Date.parse(event.timestamp), timeZone);
    case "week":
      return weekKey(Date.parse(event.timestamp), timeZone);
    case "month":
      return monthKey(Date.parse(event.timestamp), timeZone);
  }
}

/** What `aggregateEvents` and the stores' scans return. */
export interface AggregatedUsage {
  totals: UsageTotals;
  groupsBy: Partial<Record<GroupBy, UsageGroup[]>>;
  errorsByType: Record<string, number>;
}

/** Totals, the requested breakdowns and errors by type over `events`, in one pass. */
export function aggregateEvents(
  events: Iterable<UsageEvent>,
  options: { groupBy?: readonly GroupBy[]; timeZone: string },
): AggregatedUsage {
  const groupBys = options.groupBy ?? [];
  return aggregateItems(
    events,
    groupBys,
    groupBys.map((groupBy) => (event: UsageEvent) => groupKey(event, groupBy, options.timeZone)),
    (event) => event,
  );
}

/**
 * The one pass behind `aggregateEvents` and the SQLite scan: `keyers[i]` gives an item's key for
 * `groupBys[i]`, and `toEvent` the fields totals are computed from (a stored row can be read
 * into one reused object, as long as it is read before the next item).
 */
export function aggregateItems<Item>(
  items: Iterable<Item>,
  groupBys: readonly GroupBy[],
  keyers: ReadonlyArray<(item: Item) => string>,
  toEvent: (item: Item) => UsageEvent,
): AggregatedUsage {
  const all = new TotalsAccumulator();
  const accumulators = groupBys.map(() => new Map<string, TotalsAccumulator>());
  const errorsByType = new Map<string, number>();
  for (const item of items) {
    const event = toEvent(item);
    all.add(event);
    if (!event.success) {
      const type = event.errorType ?? "unknown";
      errorsByType.set(type, (errorsByType.get(type) ?? 0) + 1);
    }
    for (let index = 0; index < keyers.length; index++) {
      const key = keyers[index]!(item);
      const byKey = accumulators[index]!;
      let accumulator = byKey.get(key);
      if (accumulator === undefined) {
        accumulator = new TotalsAccumulator();
        byKey.set(key, accumulator);
      }
      accumulator.add(event);
    }
  }
  const totals = all.toTotals();
  const groupsBy: Partial<Record<GroupBy, UsageGroup[]>> = {};
  groupBys.forEach((groupBy, index) => {
    const groups = [...accumulators[index]!].map(([key, accumulator]) =>
      toGroup(key, accumulator.toTotals(), totals.totalCostUsd),
    );
    sortGroups(groups, groupBy);
    groupsBy[groupBy] = groups;
  });
  return { totals, groupsBy, errorsByType: Object.fromEntries(errorsByType) };
}

/** Makes a breakdown row from its totals and the overall cost. */
export function toGroup(key: string, totals: UsageTotals, overallCostUsd: number): UsageGroup {
  return {
    key,
    ...totals,
    costSharePercent: overallCostUsd === 0 ? 0 : (totals.totalCostUsd / overallCostUsd) * 100,
  };
}

/** Time buckets in time order; other groupings by cost, then requests, then key. */
export function sortGroups(groups: UsageGroup[], groupBy: GroupBy | undefined): void {
  if (groupBy === "day" || groupBy === "week" || groupBy === "month") {
    groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return;
  }
  groups.sort(
    (a, b) =>
      b.totalCostUsd - a.totalCostUsd ||
      b.totalRequests - a.totalRequests ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
