import { totalsFromCounts } from "../../stats/aggregate-events.ts";
import type { GroupBy, UsageFilter, UsageTotals } from "../../stats/usage-stats.ts";
import { LatencyHistogram } from "../rollup/latency-histogram.ts";
import { createTimeBucketKeyer } from "../time-bucket-keyer.ts";
import {
  EVENT_COST_NANO,
  EVENT_TOTAL_TOKENS,
  ROLLUP_COLUMN_LIST,
  type RollupTable,
  rollupRowsSql,
} from "./rollup-sql.ts";
import {
  type CountsRow,
  countsFromRow,
  EMPTY_TOTALS_ROW,
  filterSql,
  groupKeySql,
} from "./usage-sql.ts";

/**
 * How a period is read from the PostgreSQL rollups: whole UTC days from `rollups_daily`, the whole
 * hours around them from `rollups_hourly`, and only the partial hours at the edges (and hours cut
 * by a local midnight of the query's zone, as in UTC+05:30) from the events themselves.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
// Beyond this many hours to check for local-midnight cuts, a time grouping sums the events.
const MAX_CHECKED_HOURS = 24 * 400;

type Range = [sinceMs: number | undefined, untilMs: number | undefined];

/** Where each part of a period is read from. */
export interface RollupPlan {
  days: Range[];
  hours: Range[];
  events: Range[];
  /** Whether time groups cut hours (a zone not on UTC): edge events are then summed by the second. */
  zoned: boolean;
}

const UTC_ZONES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Etc/Universal", "Etc/Zulu"]);

/**
 * Splits [sinceMs, untilMs) (open where undefined) into rollup days, rollup hours and raw event
 * ranges. With `timeGroups` in a zone that is not UTC, a day or hour whose span holds a local
 * bucket boundary is read at the next finer level. Undefined when rollups do not help (a period
 * shorter than an hour) or cannot be planned (an open period grouped by time outside UTC).
 */
export function planRollupReads(
  sinceMs: number | undefined,
  untilMs: number | undefined,
  timeGroups: ReadonlyArray<"day" | "week" | "month">,
  timeZone: string,
): RollupPlan | undefined {
  const firstHour = sinceMs === undefined ? undefined : Math.ceil(sinceMs / HOUR_MS) * HOUR_MS;
  const endHour = untilMs === undefined ? undefined : Math.floor(untilMs / HOUR_MS) * HOUR_MS;
  if (firstHour !== undefined && endHour !== undefined && firstHour >= endHour) return undefined;
  const zoned = timeGroups.length > 0 && !UTC_ZONES.has(resolvedZone(timeZone));
  if (zoned && (firstHour === undefined || endHour === undefined)) return undefined;
  if (zoned && (endHour! - firstHour!) / HOUR_MS > MAX_CHECKED_HOURS) return undefined;
  const keyers = zoned ? timeGroups.map((unit) => createTimeBucketKeyer(unit, timeZone)) : [];
  const cut = (startMs: number, spanMs: number) =>
    keyers.some((keyer) => keyer(startMs) !== keyer(startMs + spanMs - 1));

  const plan: RollupPlan = { days: [], hours: [], events: [], zoned };
  if (sinceMs !== undefined && firstHour! > sinceMs) plan.events.push([sinceMs, firstHour]);
  if (untilMs !== undefined && endHour! < untilMs) plan.events.push([endHour, untilMs]);
  const firstDay = firstHour === undefined ? undefined : Math.ceil(firstHour / DAY_MS) * DAY_MS;
  const endDay = endHour === undefined ? undefined : Math.floor(endHour / DAY_MS) * DAY_MS;
  const hourRanges: Array<[number, number]> = [];
  if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) {
    hourRanges.push([firstHour!, endHour!]);
  } else {
    if (firstHour !== undefined && firstHour < firstDay!) hourRanges.push([firstHour, firstDay!]);
    if (endHour !== undefined && endDay! < endHour) hourRanges.push([endDay!, endHour]);
    if (!zoned) plan.days.push([firstDay, endDay]);
    else {
      for (let day = firstDay!; day < endDay!; day += DAY_MS) {
        if (cut(day, DAY_MS)) hourRanges.push([day, day + DAY_MS]);
        else appendRange(plan.days, day, day + DAY_MS);
      }
    }
  }
  hourRanges.sort((a, b) => a[0] - b[0]);
  for (const [from, to] of hourRanges) {
    if (!zoned) {
      appendRange(plan.hours, from, to);
      continue;
    }
    for (let hour = from; hour < to; hour += HOUR_MS) {
      appendRange(cut(hour, HOUR_MS) ? plan.events : plan.hours, hour, hour + HOUR_MS);
    }
  }
  return plan;
}

/** Adds [from, to) to `ranges`, extending the last range when they touch. */
function appendRange(ranges: Range[], from: number, to: number): void {
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last[1] === from) last[1] = to;
  else ranges.push([from, to]);
}

function resolvedZone(timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
}

/**
 * A query yielding rollup rows (ROLLUP_COLUMN_LIST) for `plan`, restricted by `filter` (its
 * tenant, provider, model and kind; its period is the plan's). Parameters are appended to `params`.
 * `spendOnly` yields only `cost_nano, total_tokens, requests` (budget checks), with the edge
 * events summed straight, not grouped into rollup rows.
 */
export function planSourceSql(
  schema: string,
  plan: RollupPlan,
  filter: UsageFilter,
  params: unknown[],
  options: { spendOnly?: boolean } = {},
): string {
  const spendOnly = options.spendOnly === true;
  const columns = spendOnly ? "cost_nano, total_tokens, requests" : ROLLUP_COLUMN_LIST;
  const { sinceMs: _since, untilMs: _until, ...dimensions } = filter;
  const parts: string[] = [];
  const rangesSql = (column: string, ranges: Range[]) =>
    ranges
      .map(([from, to]) => {
        const bounds: string[] = [];
        for (const [operator, ms] of [
          [">=", from],
          ["<", to],
        ] as const) {
          if (ms === undefined) continue;
          params.push(new Date(ms).toISOString());
          bounds.push(`${column} ${operator} $${params.length}::timestamptz`);
        }
        return bounds.length === 0 ? "TRUE" : `(${bounds.join(" AND ")})`;
      })
      .join(" OR ");
  const fromRollups = (table: RollupTable, ranges: Range[]) => {
    if (ranges.length === 0) return;
    const where = `(${rangesSql("bucket_start", ranges)}) AND ${filterSql(dimensions, params)}`;
    parts.push(`SELECT ${columns} FROM ${schema}.${table} WHERE ${where}`);
  };
  fromRollups("rollups_daily", plan.days);
  fromRollups("rollups_hourly", plan.hours);
  if (plan.events.length > 0) {
    // One SELECT per range, each its own index range scan: with the ranges OR'ed in one WHERE
    // (30 cut hours of a month in Asia/Kolkata), PostgreSQL read a tenant's whole history from
    // events_by_tenant and filtered it.
    const events = plan.events
      .map(
        (range) =>
          `SELECT 1 AS sign, * FROM ${schema}.events WHERE ${rangesSql("ts", [range])} AND ${filterSql(dimensions, params)}`,
      )
      .join(" UNION ALL ");
    parts.push(
      spendOnly
        ? `SELECT coalesce(sum(${EVENT_COST_NANO}), 0)::bigint, coalesce(sum(${EVENT_TOTAL_TOKENS}), 0)::bigint, count(*)::bigint FROM (${events}) AS edge_events`
        : rollupRowsSql(events, plan.zoned ? "seconds" : "rollups_hourly"),
    );
  }
  // A plan always has a part; an empty one still needs a typed, empty source.
  if (parts.length === 0) parts.push(`SELECT ${columns} FROM ${schema}.rollups_daily WHERE FALSE`);
  return parts.map((part) => `(${part})`).join(" UNION ALL ");
}

// The sums of rollup rows per group key, as `totalsFromRollupRow` reads them.
const SUMMED_COLUMNS = `
    coalesce(sum(requests), 0)::float8 AS requests, coalesce(sum(successes), 0)::float8 AS successes,
    coalesce(sum(cached), 0)::float8 AS cached, coalesce(sum(unpriced), 0)::float8 AS unpriced,
    coalesce(sum(streaming), 0)::float8 AS streaming,
    coalesce(sum(input_tokens), 0)::float8 AS input_tokens,
    coalesce(sum(output_tokens), 0)::float8 AS output_tokens,
    coalesce(sum(total_tokens), 0)::float8 AS total_tokens,
    coalesce(sum(cache_read_tokens), 0)::float8 AS cache_read_tokens,
    coalesce(sum(cache_write_tokens), 0)::float8 AS cache_write_tokens,
    coalesce(sum(reasoning_tokens), 0)::float8 AS reasoning_tokens,
    coalesce(sum(cost_nano), 0)::float8 AS cost_nano_usd,
    coalesce(sum(latency_sum), 0)::float8 AS latency_sum,
    coalesce(sum(latency_count), 0)::float8 AS latency_count`;

/**
 * Sums rollup rows (`source`) per `keySql` in SQL; the count maps of each group come back as a
 * JSON array and are merged in JavaScript (`histogramOf`, `mergeCounts`). Merging them in SQL,
 * by an aggregate or by expanding every entry and grouping, cost ~1 µs per entry: 250-300 ms
 * for the hourly rollups of a tenant's month in a zone off UTC.
 */
function summedRowsSql(source: string, keySql: string): string {
  return `
    SELECT ${keySql} AS key, ${SUMMED_COLUMNS},
           jsonb_agg(latency_histogram) FILTER (WHERE latency_histogram IS NOT NULL) AS latency_histogram,
           jsonb_agg(ttft_histogram) FILTER (WHERE ttft_histogram IS NOT NULL) AS ttft_histogram,
           jsonb_agg(errors) FILTER (WHERE errors IS NOT NULL) AS errors
      FROM (${source}) AS rollup_rows GROUP BY 1`;
}

/** A row of summed rollups. */
export interface SummedRollupRow extends CountsRow {
  latency_sum: number;
  latency_count: number;
  /** The count maps of the group's rollup rows, merged by `histogramOf` and `mergeCounts`. */
  latency_histogram: CountMap[] | null;
  ttft_histogram: CountMap[] | null;
  errors: CountMap[] | null;
}

/** A stored count map: histogram bucket key (or error type) → count. */
type CountMap = Record<string, number>;

/** Summed rollups of no rows. */
export const EMPTY_ROLLUP_ROW: SummedRollupRow = {
  ...EMPTY_TOTALS_ROW,
  latency_sum: 0,
  latency_count: 0,
  latency_histogram: null,
  ttft_histogram: null,
  errors: null,
};

/** The SQL of one aggregate read from rollups: totals, or one breakdown when `groupBy` is set. */
export function rollupAggregateSql(
  schema: string,
  plan: RollupPlan,
  filter: UsageFilter,
  groupBy: GroupBy | undefined,
  timeZone: string,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const source = planSourceSql(schema, plan, filter, params);
  if (groupBy === undefined) {
    return { sql: summedRowsSql(source, "''"), params };
  }
  let timeZoneParam = "";
  if (groupBy === "day" || groupBy === "week" || groupBy === "month") {
    params.push(timeZone);
    timeZoneParam = `$${params.length}::text`;
  }
  const key = groupKeySql(groupBy, timeZoneParam, {
    time: "bucket_start",
    tenant: "nullif(tenant_id, '')",
  });
  return {
    sql: summedRowsSql(source, `(${key}) COLLATE "C"`),
    params,
  };
}

/** `UsageTotals` of summed rollup rows: exact sums, percentiles from the merged histograms. */
export function totalsFromRollupRow(row: SummedRollupRow): UsageTotals {
  const latency = histogramOf(row.latency_histogram);
  const timeToFirstToken = histogramOf(row.ttft_histogram);
  return totalsFromCounts(
    countsFromRow(row),
    row.latency_count === 0 ? undefined : row.latency_sum / row.latency_count,
    (quantile) => latency.percentile(quantile),
    (quantile) => timeToFirstToken.percentile(quantile),
  );
}

function histogramOf(maps: CountMap[] | null): LatencyHistogram {
  const entries: Array<[number, number]> = [];
  for (const counts of maps ?? []) {
    for (const key in counts) entries.push([Number(key), counts[key]!]);
  }
  return LatencyHistogram.fromKeyCounts(entries);
}

/** The sum of count maps (errors by type). */
export function mergeCounts(maps: CountMap[] | null): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const counts of maps ?? []) {
    for (const key in counts) merged[key] = (merged[key] ?? 0) + counts[key]!;
  }
  return merged;
}
