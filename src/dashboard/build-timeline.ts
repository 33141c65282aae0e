import { zonedTimeToEpochMs } from "../cli/parse-date.ts";
import type { ResolvedQuery } from "../cli/usage-query.ts";
import { emptyTotals } from "../stats/aggregate-events.ts";
import { dayKey, monthKey } from "../stats/time-buckets.ts";
import type { GroupBy, UsageGroup, UsageTotals } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";

/** What the stacked series of the timeline are split by. */
export type StackBy = "provider" | "model";

/** One bucket of the timeline: its totals and its cost and requests per stack key. */
export interface TimelineBucket {
  /** `2026-11-22T14` (hour, UTC-aligned), `2026-11-22` (day) or `2026-11` (month), in `timeZone`. */
  key: string;
  /** ISO 8601 instants of the bucket's bounds, clipped to the period. */
  start: string;
  end: string;
  totals: UsageTotals;
  /** Cost and requests per stack key; keys beyond the top ones are summed under "(other)". */
  stacks: Record<string, { costUsd: number; requests: number }>;
}

/** Cost, requests, latency and tokens over time, in hour, day or month buckets. */
export interface Timeline {
  unit: "hour" | "day" | "month";
  stackBy: StackBy;
  /** The stack keys, most expensive first. */
  stackKeys: string[];
  buckets: TimelineBucket[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Up to two days are shown by the hour, up to about a quarter by the day, longer by the month. */
const HOURLY_SPAN_MS = 2 * DAY_MS;
const DAILY_SPAN_MS = 92 * DAY_MS;
/** Stacks beyond these are summed: more colours than this do not read. */
const MAX_STACKS = 6;
export const OTHER_STACK = "(other)";

/**
 * The bucket unit the timeline will use for `query`, when the period says it; undefined for an
 * open start ("all"), where it depends on the first call's day. Callers that aggregate anyway add
 * this grouping to their query and hand the groups to `buildTimeline`, saving a pass.
 */
export function timelineUnitHint(query: ResolvedQuery, now: number): "day" | "month" | undefined {
  if (query.filter.sinceMs === undefined) return undefined;
  const unit = unitForSpan((query.filter.untilMs ?? now) - query.filter.sinceMs);
  return unit === "hour" ? undefined : unit;
}

function unitForSpan(span: number): Timeline["unit"] {
  return span <= HOURLY_SPAN_MS ? "hour" : span <= DAILY_SPAN_MS ? "day" : "month";
}

/**
 * Builds the timeline. Hours: one aggregate per hour. Days and months: the groups by bucket (from
 * the caller, or one aggregate), plus one aggregate per kept stack key. With the SQLite ledger
 * these are answered from the hourly rollups.
 */
export async function buildTimeline(
  store: UsageStore,
  query: ResolvedQuery,
  options: {
    now: number;
    stackBy: StackBy;
    /** Groups the caller already has over the same filter: by `stackBy`, by day, by month. */
    known?: Partial<Record<"stack" | "day" | "month", readonly UsageGroup[]>>;
  },
): Promise<Timeline> {
  const { filter, timeZone } = query;
  const known = options.known ?? {};
  const endMs = filter.untilMs ?? options.now;
  let startMs = filter.sinceMs;
  let days = known.day;
  if (startMs === undefined) {
    // "all": start at the first day that has a call.
    days ??= await groupsOf(store, query, "day");
    const first = days[0]?.key;
    startMs = first === undefined ? endMs - DAY_MS : dayStart(first, timeZone);
  }
  const unit = unitForSpan(endMs - startMs);
  const bounds = bucketBounds(unit, startMs, endMs, timeZone);

  if (unit === "hour") return hourlyTimeline(store, query, bounds, options.stackBy);
  return calendarTimeline(store, query, bounds, unit, options.stackBy, {
    buckets: unit === "day" ? days : known.month,
    stacks: known.stack,
  });
}

/**
 * Hours: one aggregate per hour, grouped by the stack key. At most 48 hours, each a handful of
 * rollups, so this stays cheap whatever the ledger's size.
 */
async function hourlyTimeline(
  store: UsageStore,
  query: ResolvedQuery,
  bounds: Array<{ key: string; start: number; end: number }>,
  stackBy: StackBy,
): Promise<Timeline> {
  const results = await Promise.all(
    bounds.map(({ start, end }) =>
      store.aggregate({
        filter: { ...query.filter, sinceMs: start, untilMs: end },
        groupBy: [stackBy],
        timeZone: query.timeZone,
      }),
    ),
  );
  const sums = new Map<string, { costUsd: number; requests: number }>();
  for (const result of results)
    for (const group of result.groupsBy[stackBy] ?? [])
      addTo(sums, group.key, group.totalCostUsd, group.totalRequests);
  const { kept, stackKeys } = rankStacks(sums);
  const buckets = results.map((result, index): TimelineBucket => {
    const stacks: TimelineBucket["stacks"] = {};
    for (const group of result.groupsBy[stackBy] ?? [])
      addToRecord(
        stacks,
        kept.has(group.key) ? group.key : OTHER_STACK,
        group.totalCostUsd,
        group.totalRequests,
      );
    return toBucket(bounds[index]!, result.totals, stacks);
  });
  return { unit: "hour", stackBy, stackKeys, buckets };
}

/**
 * Days and months: one aggregate grouped by the bucket gives every bucket's totals; then one
 * per kept stack key (grouped by bucket) gives its share, and "(other)" is what remains. A few
 * passes over the rollups, instead of one query per day.
 */
async function calendarTimeline(
  store: UsageStore,
  query: ResolvedQuery,
  bounds: Array<{ key: string; start: number; end: number }>,
  unit: "day" | "month",
  stackBy: StackBy,
  known: {
    buckets?: readonly UsageGroup[] | undefined;
    stacks?: readonly UsageGroup[] | undefined;
  },
): Promise<Timeline> {
  const { filter, timeZone } = query;
  const [bucketGroups, stackGroups] = await Promise.all([
    known.buckets ?? groupsOf(store, query, unit),
    known.stacks ?? groupsOf(store, query, stackBy),
  ]);
  const sums = new Map<string, { costUsd: number; requests: number }>();
  for (const group of stackGroups) addTo(sums, group.key, group.totalCostUsd, group.totalRequests);
  const { kept, stackKeys } = rankStacks(sums);
  const filterField = stackBy === "provider" ? "provider" : "model";
  const perStack = await Promise.all(
    [...kept].map(async (key) => {
      const result = await store.aggregate({
        filter: { ...filter, [filterField]: key },
        groupBy: [unit],
        timeZone,
      });
      return [
        key,
        new Map((result.groupsBy[unit] ?? []).map((group) => [group.key, group])),
      ] as const;
    }),
  );
  const totalsByKey = new Map(bucketGroups.map((group) => [group.key, group]));
  const buckets = bounds.map((bound): TimelineBucket => {
    const totals = totalsByKey.get(bound.key);
    const stacks: TimelineBucket["stacks"] = {};
    let keptCost = 0;
    let keptRequests = 0;
    for (const [key, groups] of perStack) {
      const group = groups.get(bound.key);
      if (group === undefined) continue;
      addToRecord(stacks, key, group.totalCostUsd, group.totalRequests);
      keptCost += group.totalCostUsd;
      keptRequests += group.totalRequests;
    }
    if (totals !== undefined && totals.totalRequests > keptRequests)
      addToRecord(
        stacks,
        OTHER_STACK,
        Math.max(0, totals.totalCostUsd - keptCost),
        totals.totalRequests - keptRequests,
      );
    return toBucket(bound, totals ?? EMPTY_TOTALS, stacks);
  });
  return { unit, stackBy, stackKeys, buckets };
}

async function groupsOf(
  store: UsageStore,
  query: ResolvedQuery,
  groupBy: GroupBy,
): Promise<readonly UsageGroup[]> {
  const result = await store.aggregate({
    filter: query.filter,
    groupBy: [groupBy],
    timeZone: query.timeZone,
  });
  return result.groupsBy[groupBy] ?? [];
}

function addTo(
  sums: Map<string, { costUsd: number; requests: number }>,
  key: string,
  costUsd: number,
  requests: number,
): void {
  const sum = sums.get(key) ?? { costUsd: 0, requests: 0 };
  sum.costUsd += costUsd;
  sum.requests += requests;
  sums.set(key, sum);
}

function addToRecord(
  stacks: TimelineBucket["stacks"],
  key: string,
  costUsd: number,
  requests: number,
): void {
  const stack = stacks[key] ?? { costUsd: 0, requests: 0 };
  stack.costUsd += costUsd;
  stack.requests += requests;
  stacks[key] = stack;
}

/** Most expensive first; unpriced keys (cost 0) by requests, so they still get a colour. */
function rankStacks(sums: Map<string, { costUsd: number; requests: number }>): {
  kept: Set<string>;
  stackKeys: string[];
} {
  const ranked = [...sums]
    .sort((a, b) => b[1].costUsd - a[1].costUsd || b[1].requests - a[1].requests)
    .map(([key]) => key);
  const kept = new Set(ranked.slice(0, ranked.length > MAX_STACKS ? MAX_STACKS - 1 : MAX_STACKS));
  const stackKeys = [...kept];
  if (ranked.length > kept.size) stackKeys.push(OTHER_STACK);
  return { kept, stackKeys };
}

function toBucket(
  bound: { key: string; start: number; end: number },
  totals: UsageTotals,
  stacks: TimelineBucket["stacks"],
): TimelineBucket {
  const {
    key: _key,
    costSharePercent: _share,
    ...plain
  } = totals as UsageTotals & { key?: string; costSharePercent?: number };
  return {
    key: bound.key,
    start: new Date(bound.start).toISOString(),
    end: new Date(bound.end).toISOString(),
    totals: plain,
    stacks,
  };
}

/** The totals of a bucket with no calls. */
const EMPTY_TOTALS: UsageTotals = emptyTotals();

function dayStart(key: string, timeZone: string): number {
  const [year, month, day] = key.split("-").map(Number);
  return zonedTimeToEpochMs({ year: year!, month: month!, day: day ?? 1 }, timeZone);
}

/** The buckets covering [startMs, endMs), clipped to it, with their keys in `timeZone`. */
export function bucketBounds(
  unit: Timeline["unit"],
  startMs: number,
  endMs: number,
  timeZone: string,
): Array<{ key: string; start: number; end: number }> {
  const bounds: Array<{ key: string; start: number; end: number }> = [];
  if (unit === "hour") {
    for (let hour = Math.floor(startMs / HOUR_MS) * HOUR_MS; hour < endMs; hour += HOUR_MS)
      bounds.push({
        key: `${dayKey(hour, timeZone)}T${hourOfDay(hour, timeZone)}`,
        start: Math.max(hour, startMs),
        end: Math.min(hour + HOUR_MS, endMs),
      });
    return bounds;
  }
  const key = unit === "day" ? dayKey : monthKey;
  let [year, month, day] = key(startMs, timeZone).split("-").map(Number) as [
    number,
    number,
    number?,
  ];
  let start = zonedTimeToEpochMs({ year, month, day: day ?? 1 }, timeZone);
  while (start < endMs) {
    // Date.UTC normalizes day 32 and month 13: calendar arithmetic without a library.
    const next = new Date(
      Date.UTC(year, month - 1 + (unit === "month" ? 1 : 0), (day ?? 1) + (unit === "day" ? 1 : 0)),
    );
    const nextYear = next.getUTCFullYear();
    const nextMonth = next.getUTCMonth() + 1;
    const nextDay = unit === "day" ? next.getUTCDate() : undefined;
    const end = zonedTimeToEpochMs(
      { year: nextYear, month: nextMonth, day: nextDay ?? 1 },
      timeZone,
    );
    bounds.push({
      key: key(start, timeZone),
      start: Math.max(start, startMs),
      end: Math.min(end, endMs),
    });
    [year, month, day, start] = [nextYear, nextMonth, nextDay, end];
  }
  return bounds;
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

function hourOfDay(epochMs: number, timeZone: string): string {
  let format = hourFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone });
    hourFormats.set(timeZone, format);
  }
  return format.format(epochMs).padStart(2, "0");
}
