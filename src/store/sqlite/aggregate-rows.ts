import { NONE_KEY, sortGroups, TotalsAccumulator, toGroup } from "../../stats/aggregate-events.ts";
import type { GroupBy, UsageGroup } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { createTimeBucketKeyer } from "../time-bucket-keyer.ts";
import type { AggregateResult } from "../usage-store.ts";

/** The columns an aggregate scan reads, in the order `aggregateRows` expects them. */
export const AGGREGATE_COLUMNS = [
  "ts_ms",
  "kind",
  "provider",
  "model",
  "tenant_id",
  "user_id",
  "session_id",
  "success",
  "error_type",
  "cached",
  "streaming",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
] as const;

/** Fills `view` with the fields of an `AGGREGATE_COLUMNS` row that totals are computed from. */
export function fillRowView(row: Row, view: UsageEvent): void {
  view.success = row[7] === 1;
  view.errorType = (row[8] as string | null) ?? undefined;
  view.cached = row[9] === 1;
  view.streaming = row[10] === 1;
  view.inputTokens = (row[11] as number | null) ?? undefined;
  view.outputTokens = (row[12] as number | null) ?? undefined;
  view.totalTokens = (row[13] as number | null) ?? undefined;
  view.cacheReadTokens = (row[14] as number | null) ?? undefined;
  view.cacheWriteTokens = (row[15] as number | null) ?? undefined;
  view.reasoningTokens = (row[16] as number | null) ?? undefined;
  view.costUsd = (row[17] as number | null) ?? undefined;
  view.latencyMs = (row[18] as number | null) ?? undefined;
  view.timeToFirstTokenMs = (row[19] as number | null) ?? undefined;
}

/** The group key of a raw row for each `groupBy` (time buckets in `timeZone`). */
export function createRowKeyers(
  groupBys: readonly GroupBy[],
  timeZone: string,
): Array<(row: Row) => string> {
  return groupBys.map((groupBy): ((row: Row) => string) => {
    const column = STRING_GROUP_COLUMN[groupBy];
    if (column !== undefined) return (row) => (row[column] as string | null) ?? NONE_KEY;
    const keyer = createTimeBucketKeyer(groupBy as "day" | "week" | "month", timeZone);
    return (row) => keyer(row[0] as number);
  });
}

/** A row of `AGGREGATE_COLUMNS`, read as an array. */
export type Row = readonly (string | number | null)[];

const STRING_GROUP_COLUMN: Partial<Record<GroupBy, number>> = {
  kind: 1,
  provider: 2,
  model: 3,
  tenant: 4,
  user: 5,
  session: 6,
};

/**
 * Totals, breakdowns and errors by type over rows read with `AGGREGATE_COLUMNS`. It feeds the
 * same `TotalsAccumulator` as the in-memory store, so the SQLite ledger answers exactly the same
 * numbers (sums in nano-dollars, percentiles with percentile_cont semantics) as `aggregateEvents`.
 */
export function aggregateRows(
  rows: Iterable<Row>,
  groupBys: readonly GroupBy[],
  timeZone: string,
): AggregateResult {
  const all = new TotalsAccumulator();
  const keyers = createRowKeyers(groupBys, timeZone);
  const accumulators = groupBys.map(() => new Map<string, TotalsAccumulator>());
  const errorsByType = new Map<string, number>();
  // One reusable view of the row in UsageEvent shape: TotalsAccumulator only reads these fields.
  const view = {} as UsageEvent;
  for (const row of rows) {
    fillRowView(row, view);
    all.add(view);
    if (!view.success) {
      const type = view.errorType ?? "unknown";
      errorsByType.set(type, (errorsByType.get(type) ?? 0) + 1);
    }
    for (let index = 0; index < keyers.length; index++) {
      const key = keyers[index]!(row);
      const byKey = accumulators[index]!;
      let accumulator = byKey.get(key);
      if (accumulator === undefined) {
        accumulator = new TotalsAccumulator();
        byKey.set(key, accumulator);
      }
      accumulator.add(view);
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
