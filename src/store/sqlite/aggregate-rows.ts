import { aggregateItems, NONE_KEY } from "../../stats/aggregate-events.ts";
import type { GroupBy } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { createTimeBucketKeyer } from "../time-bucket-keyer.ts";
import type { AggregateResult } from "../usage-store.ts";
import { EVENT_COLUMNS } from "./event-row.ts";

/**
 * The columns an aggregate scan reads, in the order `aggregateRows` expects them: every events
 * column but the id and the JSON extra, in the same order. So a row of bound values
 * (`EVENT_COLUMNS` order) holds an aggregate row from its second value on, which lets rollups
 * read what a batch inserts with `fillRowView` too.
 */
export const AGGREGATE_COLUMNS = EVENT_COLUMNS.slice(1, -1);

/**
 * Fills `view` with the fields totals are computed from, read from an `AGGREGATE_COLUMNS` row
 * starting at `offset`. Through one object shape: events themselves come in many shapes, which
 * makes reading them slower.
 */
export function fillRowView(row: Row, view: UsageEvent, offset = 0): void {
  view.success = row[offset + 7] === 1;
  view.errorType = (row[offset + 8] as string | null) ?? undefined;
  view.cached = row[offset + 9] === 1;
  view.streaming = row[offset + 10] === 1;
  view.inputTokens = (row[offset + 11] as number | null) ?? undefined;
  view.outputTokens = (row[offset + 12] as number | null) ?? undefined;
  view.totalTokens = (row[offset + 13] as number | null) ?? undefined;
  view.cacheReadTokens = (row[offset + 14] as number | null) ?? undefined;
  // The stored cache-write column is already the sum of the three cache-write fields.
  view.cacheWriteTokens = (row[offset + 15] as number | null) ?? undefined;
  view.reasoningTokens = (row[offset + 16] as number | null) ?? undefined;
  view.costUsd = (row[offset + 17] as number | null) ?? undefined;
  view.latencyMs = (row[offset + 18] as number | null) ?? undefined;
  view.timeToFirstTokenMs = (row[offset + 19] as number | null) ?? undefined;
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
 * Totals, breakdowns and errors by type over rows read with `AGGREGATE_COLUMNS`: the same pass
 * and the same `TotalsAccumulator` as `aggregateEvents`, so the SQLite ledger answers exactly the
 * same numbers (sums in nano-dollars, percentiles with percentile_cont semantics).
 */
export function aggregateRows(
  rows: Iterable<Row>,
  groupBys: readonly GroupBy[],
  timeZone: string,
): AggregateResult {
  // One reusable view of the row in UsageEvent shape: TotalsAccumulator only reads these fields.
  const view = {} as UsageEvent;
  return aggregateItems(rows, groupBys, createRowKeyers(groupBys, timeZone), (row) => {
    fillRowView(row, view);
    return view;
  });
}
