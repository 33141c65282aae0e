import {
  NONE_KEY,
  TOTALS_QUANTILES,
  type TotalsCounts,
  totalsFromCounts,
} from "../../stats/aggregate-events.ts";
import { assertTimeZone } from "../../stats/time-buckets.ts";
import type { GroupBy, UsageFilter, UsageTotals } from "../../stats/usage-stats.ts";

/**
 * The SQL of the store's reads: filters, group keys and the aggregate columns that produce
 * `UsageTotals` with the same semantics as `aggregateEvents` (the in-memory reference).
 */

/** Appends the filter's conditions to `params` and returns the WHERE body (`TRUE` when empty). */
export function filterSql(filter: UsageFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.sinceMs !== undefined) {
    add((p) => `ts >= ${p}::timestamptz`, toIso(filter.sinceMs, "sinceMs"));
  }
  if (filter.untilMs !== undefined) {
    add((p) => `ts < ${p}::timestamptz`, toIso(filter.untilMs, "untilMs"));
  }
  if (filter.tenantId !== undefined) add((p) => `tenant_id = ${p}`, filter.tenantId);
  if (filter.userId !== undefined) add((p) => `user_id = ${p}`, filter.userId);
  if (filter.sessionId !== undefined) add((p) => `session_id = ${p}`, filter.sessionId);
  if (filter.provider !== undefined) add((p) => `provider = ${p}`, filter.provider);
  if (filter.model !== undefined) add((p) => `model = ${p}`, filter.model);
  if (filter.kind !== undefined) add((p) => `kind = ${p}`, filter.kind);
  return conditions.length === 0 ? "TRUE" : conditions.join(" AND ");
}

function toIso(epochMs: number, name: string): string {
  if (!Number.isFinite(epochMs)) {
    throw new RangeError(`filter.${name} must be a finite number of ms since the epoch`);
  }
  return new Date(epochMs).toISOString();
}

const NONE = `'${NONE_KEY}'`;

/**
 * The SQL expression of a group key. Day, week and month are computed in the query's time zone
 * (`AT TIME ZONE`, with `timeZoneParam` a placeholder holding an IANA name); weeks start on Monday
 * as in ISO 8601, like `weekKey`. `columns` names the time and tenant columns (rollups: the
 * bucket start, and '' for no tenant).
 */
export function groupKeySql(
  groupBy: GroupBy,
  timeZoneParam: string,
  columns: { time: string; tenant: string } = { time: "ts", tenant: "tenant_id" },
): string {
  const { time, tenant } = columns;
  switch (groupBy) {
    case "provider":
      return "provider";
    case "model":
      return "model";
    case "kind":
      return "kind";
    case "tenant":
      return `coalesce(${tenant}, ${NONE})`;
    case "user":
      return `coalesce(user_id, ${NONE})`;
    case "session":
      return `coalesce(session_id, ${NONE})`;
    case "day":
      return `to_char(${time} AT TIME ZONE ${timeZoneParam}, 'YYYY-MM-DD')`;
    case "week":
      return `to_char(date_trunc('week', ${time} AT TIME ZONE ${timeZoneParam}), 'YYYY-MM-DD')`;
    case "month":
      return `to_char(${time} AT TIME ZONE ${timeZoneParam}, 'YYYY-MM')`;
  }
}

/** Checks the zone on the Node side first, for the same error message every store gives. */
export function checkTimeZone(timeZone: string): void {
  assertTimeZone(timeZone);
}

/**
 * Aggregate columns whose row `totalsFromRow` turns into `UsageTotals`. Costs are summed in
 * integer nano-dollars (as `Math.round(cost * 1e9)` does in memory) so many small costs add up
 * without float drift; percentiles use `percentile_cont`, the exact definition `percentile()`
 * implements.
 */
export const TOTALS_COLUMNS = `
  count(*)::float8 AS requests,
  count(*) FILTER (WHERE success)::float8 AS successes,
  count(*) FILTER (WHERE cached)::float8 AS cached,
  count(*) FILTER (WHERE cost_usd IS NULL AND cached IS NOT TRUE)::float8 AS unpriced,
  count(*) FILTER (WHERE streaming)::float8 AS streaming,
  coalesce(sum(input_tokens), 0)::float8 AS input_tokens,
  coalesce(sum(output_tokens), 0)::float8 AS output_tokens,
  coalesce(sum(coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0))), 0)::float8 AS total_tokens,
  coalesce(sum(cache_read_tokens), 0)::float8 AS cache_read_tokens,
  coalesce(sum(cache_write_tokens), 0)::float8 AS cache_write_tokens,
  coalesce(sum(reasoning_tokens), 0)::float8 AS reasoning_tokens,
  coalesce(sum(floor(cost_usd * 1e9 + 0.5)), 0)::float8 AS cost_nano_usd,
  avg(latency_ms) AS avg_latency_ms,
  percentile_cont(ARRAY[${TOTALS_QUANTILES.join(", ")}]) WITHIN GROUP (ORDER BY latency_ms) AS latency_percentiles,
  percentile_cont(ARRAY[${TOTALS_QUANTILES.join(", ")}]) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_percentiles`;

/** The row `TOTALS_COLUMNS` produces. */
export interface TotalsRow {
  requests: number;
  successes: number;
  cached: number;
  unpriced: number;
  streaming: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_nano_usd: number;
  avg_latency_ms: number | null;
  latency_percentiles: Array<number | null> | null;
  ttft_percentiles: Array<number | null> | null;
}

/** `UsageTotals` from a `TOTALS_COLUMNS` row, derived as the in-memory and SQLite stores do. */
export function totalsFromRow(row: TotalsRow): UsageTotals {
  // percentile_cont(ARRAY[TOTALS_QUANTILES]) gives one value per quantile, in that order.
  const at = (values: Array<number | null> | null) => (quantile: number) =>
    values?.[TOTALS_QUANTILES.indexOf(quantile as (typeof TOTALS_QUANTILES)[number])] ?? undefined;
  return totalsFromCounts(
    countsFromRow(row),
    row.avg_latency_ms ?? undefined,
    at(row.latency_percentiles),
    at(row.ttft_percentiles),
  );
}

/** The count columns of a totals row (events summed, or rollups summed). */
export type CountsRow = Omit<
  TotalsRow,
  "avg_latency_ms" | "latency_percentiles" | "ttft_percentiles"
>;

/** `TotalsCounts` from the count columns of a row. */
export function countsFromRow(row: CountsRow): TotalsCounts {
  return {
    requests: row.requests,
    successes: row.successes,
    cached: row.cached,
    unpriced: row.unpriced,
    streaming: row.streaming,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    totalTokens: row.total_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    costNano: row.cost_nano_usd,
  };
}

/** Totals of no events at all. */
export const EMPTY_TOTALS_ROW: TotalsRow = {
  requests: 0,
  successes: 0,
  cached: 0,
  unpriced: 0,
  streaming: 0,
  input_tokens: 0,
  output_tokens: 0,
  total_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  cost_nano_usd: 0,
  avg_latency_ms: null,
  latency_percentiles: null,
  ttft_percentiles: null,
};
