import type { DatabaseSync, StatementSync } from "node:sqlite";
import { NONE_KEY, nanoUsd, sortGroups, toGroup } from "../../stats/aggregate-events.ts";
import type { GroupBy, UsageFilter, UsageGroup } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { LatencyHistogram } from "../rollup/latency-histogram.ts";
import { RollupAccumulator, type StoredRollup } from "../rollup/rollup-accumulator.ts";
import { rollupsCanAnswer } from "../rollup/rollups-can-answer.ts";
import { createTimeBucketKeyer } from "../time-bucket-keyer.ts";
import type { AggregateResult } from "../usage-store.ts";
import { AGGREGATE_COLUMNS, createRowKeyers, fillRowView, type Row } from "./aggregate-rows.ts";
import type { InsertedRows } from "./event-inserter.ts";

/**
 * Hourly rollups: per UTC hour × tenant × provider × model × kind, the exact sums and mergeable
 * latency histograms of the events in it. They are written in the same transaction as the events
 * (so they can never drift from them) and let a 30-day query read a few thousand rollups instead
 * of a million events. Queries that filter or group by user or session read the events instead.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

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

/**
 * Migration 3: daily rollups (per UTC day × tenant × provider × model × kind), the sums of the
 * hourly ones. With traffic spread over many tenants and models an hourly rollup holds only a few
 * events, so long periods read ~24× fewer rows (and histograms) from here.
 */
export function migrateDayRollups(db: DatabaseSync): void {
  db.exec(
    ROLLUP_MIGRATION.replace("CREATE TABLE rollups", "CREATE TABLE day_rollups")
      .replaceAll("hour_ms", "day_ms")
      .replace(
        "CREATE INDEX rollups_by_hour ON rollups",
        "CREATE INDEX day_rollups_by_day ON day_rollups",
      ),
  );
  registerMergeFunctions(db);
  db.exec(`INSERT INTO day_rollups SELECT ${DAY_FROM_HOURS} FROM rollups GROUP BY 1, 2, 3, 4, 5`);
}

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

// The columns of a day rollup computed from the hourly rollups (in the table's column order).
const DAY_FROM_HOURS = [
  "tenant_id",
  `(hour_ms / ${DAY_MS}) * ${DAY_MS}`,
  "provider",
  "model",
  "kind",
  ...SUM_COLUMNS.map(([column]) => `SUM(${column})`),
  "llmeter_histograms(latency_histogram)",
  "llmeter_histograms(ttft_histogram)",
  "llmeter_counts(errors)",
].join(", ");

const GROUP_COLUMN: Partial<Record<GroupBy, string>> = {
  provider: "provider",
  model: "model",
  tenant: "tenant_id",
  kind: "kind",
  day: "bucket_ms",
  week: "bucket_ms",
  month: "bucket_ms",
};

type StoredRow = StoredRollup & {
  tenant_id: string;
  bucket_ms: number;
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
  // The state is the only blob seen so far, or a histogram once there are two: a group of one
  // row (common when grouping by many dimensions) is passed through without decoding.
  registerAggregate<{ value: Uint8Array | LatencyHistogram | null }>(db, "llmeter_histograms", {
    start: () => ({ value: null }),
    step: (state, encoded: unknown) => {
      if (!(encoded instanceof Uint8Array)) return state;
      if (state.value === null) state.value = encoded;
      else if (state.value instanceof LatencyHistogram) state.value.mergeEncoded(encoded);
      else {
        const histogram = LatencyHistogram.decode(state.value);
        histogram.mergeEncoded(encoded);
        state.value = histogram;
      }
      return state;
    },
    result: (state) =>
      state.value instanceof LatencyHistogram
        ? state.value.count === 0
          ? null
          : state.value.encode()
        : state.value,
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
    return LatencyHistogram.mergeEncodedBlobs(existing, added);
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
  private readonly upsertHour: StatementSync;
  private readonly upsertDay: StatementSync | undefined;
  private readonly deleteHour: StatementSync;
  private readonly deleteDay: StatementSync | undefined;
  private readonly rebuildDay: StatementSync | undefined;
  private readonly selectHour: StatementSync;
  private readonly shiftHour: StatementSync;
  private readonly shiftDay: StatementSync | undefined;

  /** `days: false` only while migrating a ledger that has no day rollups yet. */
  constructor(db: DatabaseSync, options: { days?: boolean } = {}) {
    registerMergeFunctions(db);
    this.upsertHour = prepareUpsert(db, "rollups", "hour_ms");
    this.deleteHour = db.prepare("DELETE FROM rollups WHERE hour_ms = ?");
    this.shiftHour = prepareCostShift(db, "rollups", "hour_ms");
    if (options.days !== false) {
      this.shiftDay = prepareCostShift(db, "day_rollups", "day_ms");
      this.upsertDay = prepareUpsert(db, "day_rollups", "day_ms");
      this.deleteDay = db.prepare("DELETE FROM day_rollups WHERE day_ms = ?");
      this.rebuildDay = db.prepare(
        `INSERT INTO day_rollups SELECT ${DAY_FROM_HOURS} FROM rollups WHERE hour_ms >= ? AND hour_ms < ? GROUP BY 1, 2, 3, 4, 5`,
      );
    }
    this.selectHour = db.prepare(
      `SELECT ${AGGREGATE_COLUMNS.join(", ")} FROM events WHERE ts_ms >= ? AND ts_ms < ?`,
    );
    this.selectHour.setReturnArrays(true);
  }

  /** Adds newly inserted rows (bound values, `EVENT_COLUMNS` order) to their rollups. */
  addRows(rows: InsertedRows): void {
    const groups = new RollupGroups();
    const view = {} as UsageEvent;
    for (let index = 0; index < rows.offsets.length; index++) {
      const values = rows.values[index]!;
      const offset = rows.offsets[index]!;
      const hour = Math.floor((values[offset + 1] as number) / HOUR_MS) * HOUR_MS;
      // Bound values start with the id: the aggregate columns follow it (see AGGREGATE_COLUMNS).
      fillRowView(values, view, offset + 1);
      groups
        .get(
          (values[offset + 5] as string | null) ?? "",
          hour,
          values[offset + 3] as string,
          values[offset + 4] as string,
          values[offset + 2] as string,
        )
        .add(view);
    }
    const byKey = groups.entries;
    for (const { key, sums } of byKey) this.upsertHour.run(...key, ...rollupValues(sums));
    if (this.upsertDay === undefined) return;
    // Day rollups from the batch's hour sums: one upsert per touched day key, not per event.
    const byDay = new Map<string, { key: (string | number)[]; sums: RollupAccumulator }>();
    for (const { key, sums } of byKey) {
      const [tenant, hour, provider, model, kind] = key as [string, number, string, string, string];
      const day = Math.floor(hour / DAY_MS) * DAY_MS;
      const id = `${tenant}\u0000${day}\u0000${provider}\u0000${model}\u0000${kind}`;
      const entry = byDay.get(id);
      if (entry === undefined) byDay.set(id, { key: [tenant, day, provider, model, kind], sums });
      else entry.sums.addSums(sums);
    }
    for (const { key, sums } of byDay.values()) this.upsertDay.run(...key, ...rollupValues(sums));
  }

  /**
   * Moves the cost sums of events whose cost changed: only `cost_nano` and `unpriced` depend on an
   * event's cost, so they shift by the difference instead of every event of the touched hours
   * being read again. The result is what `rebuildHours` computes: each event counts
   * `nanoUsd(costUsd)`, as in `addEventToCounts`. Returns the hours that had no rollup
   * row to shift; the caller rebuilds those.
   */
  shiftCosts(changes: readonly CostChange[]): number[] {
    const hours = new Map<string, CostShift>();
    for (const change of changes) {
      const costNano = nanoUsd(change.newCostUsd) - nanoUsd(change.oldCostUsd);
      const unpriced = change.cached
        ? 0
        : (change.newCostUsd === undefined ? 1 : 0) - (change.oldCostUsd === undefined ? 1 : 0);
      if (costNano === 0 && unpriced === 0) continue;
      const hour = Math.floor(change.timestampMs / HOUR_MS) * HOUR_MS;
      const { tenant, provider, model, kind } = change;
      addShift(hours, [tenant, hour, provider, model, kind], costNano, unpriced);
    }
    // Days from the hours' shifts: one entry per touched hour key, not per event.
    const days = new Map<string, CostShift>();
    for (const { key, costNano, unpriced } of hours.values()) {
      const [tenant, hour, provider, model, kind] = key;
      const day = Math.floor((hour as number) / DAY_MS) * DAY_MS;
      addShift(days, [tenant!, day, provider!, model!, kind!], costNano, unpriced);
    }
    const missing = new Set<number>();
    for (const { key, costNano, unpriced } of hours.values()) {
      if (Number(this.shiftHour.run(costNano, unpriced, ...key).changes) === 0)
        missing.add(key[1] as number);
    }
    if (this.shiftDay !== undefined)
      for (const { key, costNano, unpriced } of days.values())
        this.shiftDay.run(costNano, unpriced, ...key);
    return [...missing];
  }

  /** Recomputes the rollups of whole hours from their events, then their days (after a delete). */
  rebuildHours(hours: Iterable<number>): void {
    const view = {} as UsageEvent;
    const days = new Set<number>();
    for (const hour of hours) {
      days.add(Math.floor(hour / DAY_MS) * DAY_MS);
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
      for (const { key, sums } of byKey.values())
        this.upsertHour.run(...key, ...rollupValues(sums));
    }
    if (this.rebuildDay === undefined || this.deleteDay === undefined) return;
    for (const day of days) {
      this.deleteDay.run(day);
      this.rebuildDay.run(day, day + DAY_MS);
    }
  }
}

type Group = { key: (string | number)[]; sums: RollupAccumulator };

/**
 * A batch's sums per tenant × hour × provider × model × kind, found through nested maps: no key
 * string is built per event (that concatenation was a measurable share of ingest).
 */
class RollupGroups {
  readonly entries: Group[] = [];
  private readonly byTenant = new Map<
    string,
    Map<number, Map<string, Map<string, Map<string, RollupAccumulator>>>>
  >();

  get(tenant: string, hour: number, provider: string, model: string, kind: string) {
    let byHour = this.byTenant.get(tenant);
    if (byHour === undefined) {
      byHour = new Map();
      this.byTenant.set(tenant, byHour);
    }
    let byProvider = byHour.get(hour);
    if (byProvider === undefined) {
      byProvider = new Map();
      byHour.set(hour, byProvider);
    }
    let byModel = byProvider.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      byProvider.set(provider, byModel);
    }
    let byKind = byModel.get(model);
    if (byKind === undefined) {
      byKind = new Map();
      byModel.set(model, byKind);
    }
    let sums = byKind.get(kind);
    if (sums === undefined) {
      sums = new RollupAccumulator();
      byKind.set(kind, sums);
      this.entries.push({ key: [tenant, hour, provider, model, kind], sums });
    }
    return sums;
  }
}

/** An event whose cost changed, as `shiftCosts` needs it: its rollup key, its cost before and after. */
export interface CostChange {
  /** '' for no tenant, as in the rollups' key. */
  tenant: string;
  timestampMs: number;
  provider: string;
  model: string;
  kind: string;
  cached: boolean;
  oldCostUsd: number | undefined;
  newCostUsd: number | undefined;
}

interface CostShift {
  key: (string | number)[];
  costNano: number;
  unpriced: number;
}

function addShift(
  shifts: Map<string, CostShift>,
  key: (string | number)[],
  costNano: number,
  unpriced: number,
): void {
  const id = key.join("\u0000");
  const shift = shifts.get(id);
  if (shift === undefined) shifts.set(id, { key, costNano, unpriced });
  else {
    shift.costNano += costNano;
    shift.unpriced += unpriced;
  }
}

function prepareCostShift(db: DatabaseSync, table: string, timeColumn: string): StatementSync {
  const keyColumns = KEY_COLUMNS.map((column) => (column === "hour_ms" ? timeColumn : column));
  return db.prepare(
    `UPDATE ${table} SET cost_nano = cost_nano + ?, unpriced = unpriced + ?
     WHERE ${keyColumns.map((column) => `${column} = ?`).join(" AND ")}`,
  );
}

/** The upsert that adds a batch's sums to a stored rollup (hourly or daily). */
function prepareUpsert(db: DatabaseSync, table: string, timeColumn: string): StatementSync {
  const keyColumns = KEY_COLUMNS.map((column) => (column === "hour_ms" ? timeColumn : column));
  const columns = [
    ...keyColumns,
    ...SUM_COLUMNS.map(([column]) => column),
    "latency_histogram",
    "ttft_histogram",
    "errors",
  ];
  return db.prepare(
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
     ON CONFLICT (${keyColumns.join(", ")}) DO UPDATE SET
     ${SUM_COLUMNS.map(([column]) => `${column} = ${column} + excluded.${column}`).join(", ")},
     ${mergeOnlyIfBoth("latency_histogram", "llmeter_merge_histograms")},
     ${mergeOnlyIfBoth("ttft_histogram", "llmeter_merge_histograms")},
     ${mergeOnlyIfBoth("errors", "llmeter_merge_counts")}`,
  );
}

// Calling a JavaScript function from SQL costs about a microsecond (its arguments are copied
// out): it only runs when both sides have something to merge, which many upserts do not (a
// batch with no errors, a group with no streaming call).
function mergeOnlyIfBoth(column: string, merge: string): string {
  return `${column} = CASE WHEN excluded.${column} IS NULL THEN ${column} WHEN ${column} IS NULL THEN excluded.${column} ELSE ${merge}(${column}, excluded.${column}) END`;
}

/** The non-key values of a rollup row, in `prepareUpsert`'s column order. */
function rollupValues(sums: RollupAccumulator): (number | Uint8Array | string | null)[] {
  return [
    ...SUM_COLUMNS.map(([, property]) => sums[property]),
    sums.latency.count === 0 ? null : sums.latency.encode(),
    sums.timeToFirstToken.count === 0 ? null : sums.timeToFirstToken.encode(),
    sums.errors.size === 0 ? null : JSON.stringify(Object.fromEntries(sums.errors)),
  ];
}

/** Rebuilds every hourly rollup from the events (a ledger migrated from schema 1). */
export function backfillRollups(db: DatabaseSync): void {
  const hours = db
    .prepare(`SELECT DISTINCT (ts_ms / ${HOUR_MS}) * ${HOUR_MS} AS hour FROM events`)
    .all() as Array<{ hour: number }>;
  new RollupWriter(db, { days: false }).rebuildHours(hours.map((row) => row.hour));
}

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
  if (!rollupsCanAnswer(filter, groupBys)) return undefined;
  const firstHour =
    filter.sinceMs === undefined ? undefined : Math.ceil(filter.sinceMs / HOUR_MS) * HOUR_MS;
  const endHour =
    filter.untilMs === undefined ? undefined : Math.floor(filter.untilMs / HOUR_MS) * HOUR_MS;
  if (firstHour !== undefined && endHour !== undefined && firstHour >= endHour) return undefined;
  if (groupBys.length > 1) {
    // Grouping by several dimensions at once in SQL would group by their product (about one row
    // per rollup): one query per breakdown reads far fewer, mostly daily, rows. Every query covers
    // the same events, so the totals of any of them are the totals.
    let combined: AggregateResult | undefined;
    for (const groupBy of groupBys) {
      const single = aggregateFromRollups(db, filter, [groupBy], timeZone, scanEvents);
      if (single === undefined) return undefined;
      if (combined === undefined) combined = single;
      else combined.groupsBy[groupBy] = single.groupsBy[groupBy];
    }
    return combined;
  }

  const dimensions = [...new Set(groupBys.map((groupBy) => GROUP_COLUMN[groupBy]!))];
  // Reads one rollup table over [fromMs, toMs) (open ends when undefined), summed in SQL by the
  // dimensions the query needs.
  const readRollups = (
    table: "rollups" | "day_rollups",
    fromMs: number | undefined,
    toMs: number | undefined,
  ): Iterable<StoredRow> => {
    const timeColumn = table === "rollups" ? "hour_ms" : "day_ms";
    const conditions: string[] = [];
    const parameters: (string | number)[] = [];
    const add = (condition: string, value: string | number | undefined) => {
      if (value === undefined) return;
      conditions.push(condition);
      parameters.push(value);
    };
    add(`${timeColumn} >= ?`, fromMs);
    add(`${timeColumn} < ?`, toMs);
    add("tenant_id = ?", filter.tenantId);
    add("provider = ?", filter.provider);
    add("model = ?", filter.model);
    add("kind = ?", filter.kind);
    const where = conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
    const selected = dimensions.map((column) =>
      column === "bucket_ms" ? `${timeColumn} AS bucket_ms` : column,
    );
    const statement = db.prepare(
      dimensions.length === 0
        ? `SELECT ${SELECT_SUMMED} FROM ${table}${where}`
        : `SELECT ${selected.join(", ")}, ${SELECT_SUMMED} FROM ${table}${where} GROUP BY ${dimensions.join(", ")}`,
    );
    return statement.iterate(...parameters) as Iterable<StoredRow>;
  };

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
  // A rollup whose span crosses a bucket boundary of `timeZone` cannot be split: its day is read
  // from hourly rollups instead, its hour from the events.
  const straddles = (startMs: number, spanMs: number) =>
    timeKeyers.some(
      (keyer) => keyer !== undefined && keyer(startMs) !== keyer(startMs + spanMs - 1),
    );
  const addRows = (rows: Iterable<StoredRow>, spanMs: number, straddling: Set<number>) => {
    for (const row of rows) {
      // Without GROUP BY, no matching rollup still yields one row of NULL sums.
      if (row.requests === null) continue;
      if (hasTimeGroup && (straddling.has(row.bucket_ms) || straddles(row.bucket_ms, spanMs))) {
        straddling.add(row.bucket_ms);
        continue;
      }
      all.addStored(row);
      for (let index = 0; index < groupBys.length; index++) {
        const groupBy = groupBys[index]!;
        const keyer = timeKeyers[index];
        const key =
          keyer !== undefined
            ? keyer(row.bucket_ms)
            : groupBy === "tenant"
              ? row.tenant_id === ""
                ? NONE_KEY
                : row.tenant_id
              : (row[groupBy as "provider" | "model" | "kind"] as string);
        addTo(index, key).addStored(row);
      }
    }
  };

  // Whole UTC days from the day rollups, the whole hours around them from the hourly ones.
  const firstDay = firstHour === undefined ? undefined : Math.ceil(firstHour / DAY_MS) * DAY_MS;
  const endDay = endHour === undefined ? undefined : Math.floor(endHour / DAY_MS) * DAY_MS;
  const straddling = new Set<number>();
  if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) {
    addRows(readRollups("rollups", firstHour, endHour), HOUR_MS, straddling);
  } else {
    const straddlingDays = new Set<number>();
    addRows(readRollups("day_rollups", firstDay, endDay), DAY_MS, straddlingDays);
    const hourRanges: Array<[number | undefined, number | undefined]> = [];
    if (firstHour !== undefined && firstHour < firstDay!) hourRanges.push([firstHour, firstDay]);
    if (endHour !== undefined && endDay! < endHour) hourRanges.push([endDay, endHour]);
    // Consecutive straddling days (every day, in a zone not on UTC) are read as one range.
    let runStart: number | undefined;
    let runEnd = 0;
    for (const day of [...straddlingDays].sort((a, b) => a - b)) {
      if (runStart !== undefined && day === runEnd) {
        runEnd = day + DAY_MS;
        continue;
      }
      if (runStart !== undefined) hourRanges.push([runStart, runEnd]);
      runStart = day;
      runEnd = day + DAY_MS;
    }
    if (runStart !== undefined) hourRanges.push([runStart, runEnd]);
    for (const [fromMs, toMs] of hourRanges)
      addRows(readRollups("rollups", fromMs, toMs), HOUR_MS, straddling);
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
