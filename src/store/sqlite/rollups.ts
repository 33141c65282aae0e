import type { DatabaseSync, StatementSync } from "node:sqlite";
import { NONE_KEY, sortGroups, toGroup } from "../../stats/aggregate-events.ts";
import type { GroupBy, UsageFilter, UsageGroup } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { LatencyHistogram } from "../rollup/latency-histogram.ts";
import { RollupAccumulator, type StoredRollup } from "../rollup/rollup-accumulator.ts";
import { createTimeBucketKeyer } from "../time-bucket-keyer.ts";
import type { AggregateResult } from "../usage-store.ts";
import { AGGREGATE_COLUMNS, createRowKeyers, fillRowView, type Row } from "./aggregate-rows.ts";

/**
 * Hourly rollups: per UTC hour × tenant × provider × model × kind, the exact sums and mergeable
 * latency histograms of the events in it. They are written in the same transaction as the events
 * (so they can never drift from them) and let a 30-day query read a few thousand rollups instead
 * of a million events. Queries that filter or group by user or session read the events instead.
 */

export const HOUR_MS = 3_600_000;

/** Migration 2: the rollup table. `tenant_id` is '' for "no tenant" ('' is never a tenant id). */
export const ROLLUP_MIGRATION = `
  CREATE TABLE rollups (
    tenant_id TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    requests INTEGER NOT NULL,
    successes INTEGER NOT NULL,
    cached INTEGER NOT NULL,
    unpriced INTEGER NOT NULL,
    streaming INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_nano INTEGER NOT NULL,
    latency_sum REAL NOT NULL,
    latency_histogram BLOB,
    ttft_histogram BLOB,
    errors TEXT,
    PRIMARY KEY (tenant_id, hour_ms, provider, model, kind)
  ) WITHOUT ROWID;
  CREATE INDEX rollups_by_hour ON rollups (hour_ms);`;

const KEY_COLUMNS = ["tenant_id", "hour_ms", "provider", "model", "kind"] as const;
const SUM_COLUMNS = [
  ["requests", "requests"],
  ["successes", "successes"],
  ["cached", "cached"],
  ["unpriced", "unpriced"],
  ["streaming", "streaming"],
  ["input_tokens", "inputTokens"],
  ["output_tokens", "outputTokens"],
  ["total_tokens", "totalTokens"],
  ["cache_read_tokens", "cacheReadTokens"],
  ["cache_write_tokens", "cacheWriteTokens"],
  ["reasoning_tokens", "reasoningTokens"],
  ["cost_nano", "costNano"],
  ["latency_sum", "latencySum"],
] as const;

// Rollups are summed in SQL, grouped only by the dimensions a query needs, so a 30-day query
// hands JavaScript a handful of rows instead of one per hour × tenant × provider × model × kind.
const SELECT_SUMMED = [
  ...SUM_COLUMNS.map(([column, property]) => `SUM(${column}) AS ${property}`),
  "llmeter_histograms(latency_histogram) AS latency",
  "llmeter_histograms(ttft_histogram) AS timeToFirstToken",
  "llmeter_counts(errors) AS errors",
].join(", ");

const GROUP_COLUMN: Partial<Record<GroupBy, string>> = {
  provider: "provider",
  model: "model",
  tenant: "tenant_id",
  kind: "kind",
  day: "hour_ms",
  week: "hour_ms",
  month: "hour_ms",
};

type StoredRow = StoredRollup & {
  tenant_id: string;
  hour_ms: number;
  provider: string;
  model: string;
  kind: string;
};

/**
 * `db.aggregate` with a JavaScript object as the running state. node:sqlite keeps the state as a
 * plain JS value between steps; its type declarations only allow SQL values, hence the cast.
 */
function registerAggregate<State>(
  db: DatabaseSync,
  name: string,
  options: {
    start: () => State;
    step: (state: State, value: unknown) => State;
    result: (state: State) => Uint8Array | string | null;
  },
): void {
  db.aggregate(name, options as unknown as Parameters<DatabaseSync["aggregate"]>[1]);
}

/** Registers the SQL functions that merge histograms and error counts (upserts and queries). */
function registerMergeFunctions(db: DatabaseSync): void {
  registerAggregate(db, "llmeter_histograms", {
    start: () => new LatencyHistogram(),
    step: (histogram: LatencyHistogram, encoded: unknown) => {
      if (encoded instanceof Uint8Array) histogram.mergeEncoded(encoded);
      return histogram;
    },
    result: (histogram: LatencyHistogram) => (histogram.count === 0 ? null : histogram.encode()),
  });
  registerAggregate(db, "llmeter_counts", {
    start: () => new Map<string, number>(),
    step: (counts: Map<string, number>, json: unknown) => {
      if (typeof json !== "string") return counts;
      for (const [key, count] of Object.entries(JSON.parse(json) as Record<string, number>)) {
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
      return counts;
    },
    result: (counts: Map<string, number>) =>
      counts.size === 0 ? null : JSON.stringify(Object.fromEntries(counts)),
  });
  db.function("llmeter_merge_histograms", (existing, added) => {
    if (!(existing instanceof Uint8Array)) return added instanceof Uint8Array ? added : null;
    if (!(added instanceof Uint8Array)) return existing;
    const merged = LatencyHistogram.decode(existing);
    merged.mergeEncoded(added);
    return merged.encode();
  });
  db.function("llmeter_merge_counts", (existing, added) => {
    if (typeof existing !== "string") return typeof added === "string" ? added : null;
    if (typeof added !== "string") return existing;
    const merged = JSON.parse(existing) as Record<string, number>;
    for (const [key, count] of Object.entries(JSON.parse(added) as Record<string, number>)) {
      merged[key] = (merged[key] ?? 0) + count;
    }
    return JSON.stringify(merged);
  });
}

/** Keeps the rollups in step with the events; every method runs inside the caller's transaction. */
export class RollupWriter {
  private readonly upsert: StatementSync;
  private readonly deleteHour: StatementSync;
  private readonly selectHour: StatementSync;

  constructor(db: DatabaseSync) {
    registerMergeFunctions(db);
    const columns = [
      ...KEY_COLUMNS,
      ...SUM_COLUMNS.map(([column]) => column),
      "latency_histogram",
      "ttft_histogram",
      "errors",
    ];
    this.upsert = db.prepare(
      `INSERT INTO rollups (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
       ON CONFLICT (${KEY_COLUMNS.join(", ")}) DO UPDATE SET
       ${SUM_COLUMNS.map(([column]) => `${column} = ${column} + excluded.${column}`).join(", ")},
       latency_histogram = llmeter_merge_histograms(latency_histogram, excluded.latency_histogram),
       ttft_histogram = llmeter_merge_histograms(ttft_histogram, excluded.ttft_histogram),
       errors = llmeter_merge_counts(errors, excluded.errors)`,
    );
    this.deleteHour = db.prepare("DELETE FROM rollups WHERE hour_ms = ?");
    this.selectHour = db.prepare(
      `SELECT ${AGGREGATE_COLUMNS.join(", ")} FROM events WHERE ts_ms >= ? AND ts_ms < ?`,
    );
    this.selectHour.setReturnArrays(true);
  }

  /** Adds newly inserted events (with their times in ms, already parsed) to their rollups. */
  addEvents(events: readonly UsageEvent[], timesMs: readonly number[]): void {
    const byKey = new Map<string, { key: (string | number)[]; sums: RollupAccumulator }>();
    for (let index = 0; index < events.length; index++) {
      const event = events[index]!;
      const hour = Math.floor(timesMs[index]! / HOUR_MS) * HOUR_MS;
      const tenant = event.tenantId ?? "";
      const id = `${tenant}\u0000${hour}\u0000${event.provider}\u0000${event.model}\u0000${event.kind}`;
      let entry = byKey.get(id);
      if (entry === undefined) {
        entry = {
          key: [tenant, hour, event.provider, event.model, event.kind],
          sums: new RollupAccumulator(),
        };
        byKey.set(id, entry);
      }
      entry.sums.add(event);
    }
    for (const { key, sums } of byKey.values()) this.write(key, sums);
  }

  /** Recomputes the rollups of whole hours from their events (after a delete). */
  rebuildHours(hours: Iterable<number>): void {
    const view = {} as UsageEvent;
    for (const hour of hours) {
      this.deleteHour.run(hour);
      const byKey = new Map<string, { key: (string | number)[]; sums: RollupAccumulator }>();
      for (const row of this.selectHour.iterate(hour, hour + HOUR_MS) as Iterable<Row>) {
        fillRowView(row, view);
        const key = [
          (row[4] as string | null) ?? "",
          hour,
          row[2] as string,
          row[3] as string,
          row[1] as string,
        ];
        const id = key.join("\u0000");
        let entry = byKey.get(id);
        if (entry === undefined) {
          entry = { key, sums: new RollupAccumulator() };
          byKey.set(id, entry);
        }
        entry.sums.add(view);
      }
      for (const { key, sums } of byKey.values()) this.write(key, sums);
    }
  }

  private write(key: (string | number)[], sums: RollupAccumulator): void {
    this.upsert.run(
      ...key,
      ...SUM_COLUMNS.map(([, property]) => sums[property]),
      sums.latency.count === 0 ? null : sums.latency.encode(),
      sums.timeToFirstToken.count === 0 ? null : sums.timeToFirstToken.encode(),
      sums.errors.size === 0 ? null : JSON.stringify(Object.fromEntries(sums.errors)),
    );
  }
}

/** Rebuilds every rollup from the events (a ledger migrated from schema 1). */
export function backfillRollups(db: DatabaseSync): void {
  const hours = db
    .prepare(`SELECT DISTINCT (ts_ms / ${HOUR_MS}) * ${HOUR_MS} AS hour FROM events`)
    .all() as Array<{ hour: number }>;
  new RollupWriter(db).rebuildHours(hours.map((row) => row.hour));
}

const ROLLUP_GROUPS = new Set<GroupBy>([
  "provider",
  "model",
  "tenant",
  "kind",
  "day",
  "week",
  "month",
]);

/**
 * Answers an aggregate from rollups for the whole hours in the period and from events for the
 * partial hours at its edges (and for hours that straddle a day boundary of `timeZone`, as in
 * UTC+5:30). Returns undefined when rollups cannot answer (a user or session filter or grouping,
 * or a period shorter than an hour); the caller then scans the events.
 */
export function aggregateFromRollups(
  db: DatabaseSync,
  filter: UsageFilter,
  groupBys: readonly GroupBy[],
  timeZone: string,
  scanEvents: (filter: UsageFilter) => Iterable<Row>,
): AggregateResult | undefined {
  if (filter.userId !== undefined || filter.sessionId !== undefined) return undefined;
  if (!groupBys.every((groupBy) => ROLLUP_GROUPS.has(groupBy))) return undefined;
  const firstHour =
    filter.sinceMs === undefined ? undefined : Math.ceil(filter.sinceMs / HOUR_MS) * HOUR_MS;
  const endHour =
    filter.untilMs === undefined ? undefined : Math.floor(filter.untilMs / HOUR_MS) * HOUR_MS;
  if (firstHour !== undefined && endHour !== undefined && firstHour >= endHour) return undefined;

  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  const add = (condition: string, value: string | number | undefined) => {
    if (value === undefined) return;
    conditions.push(condition);
    parameters.push(value);
  };
  add("hour_ms >= ?", firstHour);
  add("hour_ms < ?", endHour);
  add("tenant_id = ?", filter.tenantId);
  add("provider = ?", filter.provider);
  add("model = ?", filter.model);
  add("kind = ?", filter.kind);
  const where = conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
  const dimensions = [...new Set(groupBys.map((groupBy) => GROUP_COLUMN[groupBy]!))];
  const statement = db.prepare(
    dimensions.length === 0
      ? `SELECT ${SELECT_SUMMED} FROM rollups${where}`
      : `SELECT ${dimensions.join(", ")}, ${SELECT_SUMMED} FROM rollups${where} GROUP BY ${dimensions.join(", ")}`,
  );

  const all = new RollupAccumulator();
  const groups = groupBys.map(() => new Map<string, RollupAccumulator>());
  const addTo = (index: number, key: string) => {
    const byKey = groups[index]!;
    let accumulator = byKey.get(key);
    if (accumulator === undefined) {
      accumulator = new RollupAccumulator();
      byKey.set(key, accumulator);
    }
    return accumulator;
  };

  const timeKeyers = groupBys.map((groupBy) =>
    groupBy === "day" || groupBy === "week" || groupBy === "month"
      ? createTimeBucketKeyer(groupBy, timeZone)
      : undefined,
  );
  const hasTimeGroup = timeKeyers.some((keyer) => keyer !== undefined);
  const straddling = new Set<number>();
  const straddles = (hour: number) =>
    timeKeyers.some((keyer) => keyer !== undefined && keyer(hour) !== keyer(hour + HOUR_MS - 1));

  for (const row of statement.iterate(...parameters) as Iterable<StoredRow>) {
    // Without GROUP BY, no matching rollup still yields one row of NULL sums.
    if (row.requests === null) continue;
    if (hasTimeGroup && (straddling.has(row.hour_ms) || straddles(row.hour_ms))) {
      straddling.add(row.hour_ms);
      continue;
    }
    all.addStored(row);
    groupBys.forEach((groupBy, index) => {
      const keyer = timeKeyers[index];
      const key =
        keyer !== undefined
          ? keyer(row.hour_ms)
          : groupBy === "tenant"
            ? row.tenant_id === ""
              ? NONE_KEY
              : row.tenant_id
            : (row[groupBy as "provider" | "model" | "kind"] as string);
      addTo(index, key).addStored(row);
    });
  }

  // Events outside the whole hours: the period's ragged edges and straddling hours.
  const rawRanges: Array<[number | undefined, number | undefined]> = [];
  if (firstHour === undefined && endHour === undefined) {
    // "all": every hour is whole.
  } else {
    if (filter.sinceMs !== undefined && firstHour !== undefined && filter.sinceMs < firstHour)
      rawRanges.push([
        filter.sinceMs,
        endHour === undefined ? firstHour : Math.min(firstHour, endHour),
      ]);
    if (filter.untilMs !== undefined && endHour !== undefined && endHour < filter.untilMs)
      rawRanges.push([Math.max(endHour, firstHour ?? endHour), filter.untilMs]);
  }
  for (const hour of straddling) rawRanges.push([hour, hour + HOUR_MS]);
  const keyers = createRowKeyers(groupBys, timeZone);
  const view = {} as UsageEvent;
  for (const [sinceMs, untilMs] of rawRanges) {
    const rangeFilter: UsageFilter = { ...filter };
    if (sinceMs !== undefined) rangeFilter.sinceMs = sinceMs;
    if (untilMs !== undefined) rangeFilter.untilMs = untilMs;
    for (const row of scanEvents(rangeFilter)) {
      fillRowView(row, view);
      all.add(view);
      for (let index = 0; index < keyers.length; index++)
        addTo(index, keyers[index]!(row)).add(view);
    }
  }

  const totals = all.toTotals();
  const groupsBy: Partial<Record<GroupBy, UsageGroup[]>> = {};
  groupBys.forEach((groupBy, index) => {
    const list = [...groups[index]!].map(([key, accumulator]) =>
      toGroup(key, accumulator.toTotals(), totals.totalCostUsd),
    );
    sortGroups(list, groupBy);
    groupsBy[groupBy] = list;
  });
  return { totals, groupsBy, errorsByType: Object.fromEntries(all.errors) };
}
