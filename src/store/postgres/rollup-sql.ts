import { HISTOGRAM_KEY_MAPPING } from "../rollup/latency-histogram.ts";

/**
 * PostgreSQL rollups: per UTC hour (`rollups_hourly`) and UTC day (`rollups_daily`) × tenant ×
 * provider × model × kind (the keys of the SQLite rollups), the exact sums of the events in it and
 * their latency histograms (DDSketch bucket keys → counts, as JSONB). Statement-level triggers
 * with transition tables keep them in the same transaction as every INSERT, COPY, UPDATE and
 * DELETE on `events` (docs/decisions/0085-postgres-rollups-by-statement-triggers.md).
 *
 * One template, `rollupRowsSql`, turns rows of events into rollup rows: the triggers, the
 * backfill and the queries' partial edge hours all use it, so they cannot disagree.
 */

/** The rollup tables, finest first. */
export const ROLLUP_TABLES = ["rollups_hourly", "rollups_daily"] as const;
export type RollupTable = (typeof ROLLUP_TABLES)[number];

const KEY_COLUMNS = ["bucket_start", "tenant_id", "provider", "model", "kind"] as const;
const SUM_COLUMNS = [
  "requests",
  "successes",
  "cached",
  "unpriced",
  "streaming",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_nano",
  "latency_sum",
  "latency_count",
] as const;
// Bucket key → count maps, merged with llmeter_add_counts.
const COUNT_MAP_COLUMNS = ["latency_histogram", "ttft_histogram", "errors"] as const;

/** Every column of a rollup table, in table order. */
export const ROLLUP_COLUMN_LIST = [...KEY_COLUMNS, ...SUM_COLUMNS, ...COUNT_MAP_COLUMNS].join(", ");

// UTC whatever the session's TimeZone: date_trunc on a timestamptz truncates in the session's
// zone, which in a +05:30 session would cut hours at :30.
// "seconds" sums events of a query's edges by the second: fine enough for any zone's local
// midnight (offsets are whole seconds), where an hour would put a cut hour on one side.
const BUCKET_START: Record<RollupTable | "seconds", string> = {
  rollups_hourly: "date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
  rollups_daily: "date_trunc('day', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
  seconds: "date_trunc('second', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
};

/** An event's cost in integer nano-dollars, rounded per event as TOTALS_COLUMNS does. */
export const EVENT_COST_NANO = "floor(cost_usd * 1e9 + 0.5)";
/** An event's total tokens: the reported total, else input + output. */
export const EVENT_TOTAL_TOKENS =
  "coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0))";

/** The DDSketch bucket key of a latency in SQL (see HISTOGRAM_KEY_MAPPING). */
function histogramKeySql(column: string): string {
  const { lnMultiplier, minPossible, zeroKey } = HISTOGRAM_KEY_MAPPING;
  return `CASE WHEN ${column} <= ${minPossible} THEN ${zeroKey} ELSE ceil(ln(${column}) * ${lnMultiplier})::int END`;
}

/**
 * Rollup rows (ROLLUP_COLUMN_LIST order) of `source`, a query yielding events columns and `sign`
 * (1 for rows added, -1 for rows taken away), bucketed for `table` (or by the second).
 */
export function rollupRowsSql(source: string, table: RollupTable | "seconds"): string {
  const keys = KEY_COLUMNS.join(", ");
  const countMap = (name: string, keySql: string, condition: string) => `
    ${name} AS (
      SELECT ${keys}, jsonb_object_agg(bucket_key, n) AS counts FROM (
        SELECT ${keys}, (${keySql})::text AS bucket_key, sum(sign) AS n
          FROM src WHERE ${condition} GROUP BY ${keys}, 6) AS keyed
       WHERE n <> 0 GROUP BY ${keys})`;
  return `
    WITH src AS (
      SELECT sign, ${BUCKET_START[table]} AS bucket_start, coalesce(tenant_id, '') AS tenant_id,
             provider, model, kind, success, error_type, cached, streaming, input_tokens,
             output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
             cost_usd, latency_ms, ttft_ms
        FROM (${source}) AS source_rows),
    sums AS (
      SELECT ${keys},
        sum(sign)::bigint AS requests,
        coalesce(sum(sign) FILTER (WHERE success), 0)::bigint AS successes,
        coalesce(sum(sign) FILTER (WHERE cached), 0)::bigint AS cached,
        coalesce(sum(sign) FILTER (WHERE cost_usd IS NULL AND cached IS NOT TRUE), 0)::bigint AS unpriced,
        coalesce(sum(sign) FILTER (WHERE streaming), 0)::bigint AS streaming,
        coalesce(sum(sign * input_tokens), 0)::bigint AS input_tokens,
        coalesce(sum(sign * output_tokens), 0)::bigint AS output_tokens,
        coalesce(sum(sign * ${EVENT_TOTAL_TOKENS}), 0)::bigint AS total_tokens,
        coalesce(sum(sign * cache_read_tokens), 0)::bigint AS cache_read_tokens,
        coalesce(sum(sign * cache_write_tokens), 0)::bigint AS cache_write_tokens,
        coalesce(sum(sign * reasoning_tokens), 0)::bigint AS reasoning_tokens,
        coalesce(sum(sign * ${EVENT_COST_NANO}), 0)::bigint AS cost_nano,
        coalesce(sum(sign * latency_ms), 0)::float8 AS latency_sum,
        coalesce(sum(sign) FILTER (WHERE latency_ms IS NOT NULL), 0)::bigint AS latency_count
        FROM src GROUP BY ${keys}),${countMap("latency", histogramKeySql("latency_ms"), "latency_ms IS NOT NULL")},${countMap(
          "ttft",
          histogramKeySql("ttft_ms"),
          "ttft_ms IS NOT NULL",
        )},${countMap("error_counts", "coalesce(error_type, 'unknown')", "NOT success")}
    SELECT ${keys}, ${SUM_COLUMNS.join(", ")}, latency.counts, ttft.counts, error_counts.counts
      FROM sums LEFT JOIN latency USING (${keys}) LEFT JOIN ttft USING (${keys})
      LEFT JOIN error_counts USING (${keys})`;
}

/**
 * Adds `source`'s rollup rows into `table`. Rows are upserted in key order, so two transactions
 * adding to the same rollups lock them in the same order and cannot deadlock.
 */
function upsertSql(schema: string, table: RollupTable, source: string): string {
  const sums = SUM_COLUMNS.map((column) => `${column} = r.${column} + excluded.${column}`);
  const maps = COUNT_MAP_COLUMNS.map(
    (column) => `${column} = ${schema}.llmeter_add_counts(r.${column}, excluded.${column})`,
  );
  return `INSERT INTO ${schema}.${table} AS r (${ROLLUP_COLUMN_LIST})
    ${rollupRowsSql(source, table)}
    ORDER BY ${KEY_COLUMNS.join(", ")}
    ON CONFLICT (${KEY_COLUMNS.join(", ")}) DO UPDATE SET ${[...sums, ...maps].join(", ")}`;
}

/** What each trigger's transition tables contribute, with their sign. */
const SIGNED_SOURCES = {
  INSERT: "SELECT 1 AS sign, * FROM new_events",
  DELETE: "SELECT -1 AS sign, * FROM old_events",
  UPDATE: "SELECT 1 AS sign, * FROM new_events UNION ALL SELECT -1 AS sign, * FROM old_events",
} as const;

/**
 * Migration 4: the rollup tables, the functions and triggers that maintain them, and a backfill
 * from the events already stored. Only where TimescaleDB is not installed: a hypertable refuses
 * triggers with transition tables, so there the store keeps summing the events (it reads rollups
 * only where their tables exist, see `migrate`).
 */
export function rollupMigrationSql(schema: string, timescale: boolean): string {
  if (timescale) return "SELECT 1";
  const tables = ROLLUP_TABLES.map(
    (table) => `
    CREATE TABLE ${schema}.${table} (
      bucket_start timestamptz NOT NULL,
      tenant_id text NOT NULL,
      provider text NOT NULL,
      model text NOT NULL,
      kind text NOT NULL,
      ${SUM_COLUMNS.map((column) => `${column} ${column === "latency_sum" ? "double precision" : "bigint"} NOT NULL`).join(",\n      ")},
      ${COUNT_MAP_COLUMNS.map((column) => `${column} jsonb`).join(",\n      ")},
      PRIMARY KEY (${KEY_COLUMNS.join(", ")})
    );
    CREATE INDEX ${table}_by_tenant ON ${schema}.${table} (tenant_id, bucket_start);`,
  ).join("\n");
  const branch = (operation: keyof typeof SIGNED_SOURCES) =>
    ROLLUP_TABLES.map((table) => `${upsertSql(schema, table, SIGNED_SOURCES[operation])};`).join(
      "\n",
    );
  // A rollup emptied by a DELETE (or by an UPDATE that moves events to another key) is dropped,
  // not left at zero: retention would otherwise keep a row for every hour it ever deleted.
  const dropEmpty = ROLLUP_TABLES.map(
    (table) =>
      `DELETE FROM ${schema}.${table} AS r USING (SELECT DISTINCT ${BUCKET_START[table]} AS bucket_start FROM old_events) AS emptied
        WHERE r.bucket_start = emptied.bucket_start AND r.requests = 0;`,
  ).join("\n");
  const triggers = (["INSERT", "DELETE", "UPDATE"] as const)
    .map((operation) => {
      const transition = {
        INSERT: "NEW TABLE AS new_events",
        DELETE: "OLD TABLE AS old_events",
        UPDATE: "OLD TABLE AS old_events NEW TABLE AS new_events",
      }[operation];
      return `CREATE TRIGGER events_rollups_${operation.toLowerCase()} AFTER ${operation} ON ${schema}.events
        REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.llmeter_roll_up_events();`;
    })
    .join("\n");
  return `
    ${tables}
    -- The sum of two count maps (histogram bucket → count, error type → count); keys whose count
    -- reaches 0 are dropped, and a map left empty is NULL.
    CREATE FUNCTION ${schema}.llmeter_add_counts(a jsonb, b jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE (
        SELECT jsonb_object_agg(key, total) FROM (
          SELECT key, sum(value::bigint) AS total
            FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS pairs
           GROUP BY key) AS sums
         WHERE total <> 0) END $$;
    CREATE FUNCTION ${schema}.llmeter_roll_up_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${branch("INSERT")}
      ELSIF TG_OP = 'DELETE' THEN
        ${branch("DELETE")}
        ${dropEmpty}
      ELSE
        ${branch("UPDATE")}
        ${dropEmpty}
      END IF;
      RETURN NULL;
    END $$;
    ${triggers}
    CREATE FUNCTION ${schema}.llmeter_truncate_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE ${ROLLUP_TABLES.map((table) => `${schema}.${table}`).join(", ")};
      RETURN NULL;
    END $$;
    CREATE TRIGGER events_rollups_truncate AFTER TRUNCATE ON ${schema}.events
      FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.llmeter_truncate_rollups();
    -- Backfill: the rollups of the events stored before this migration.
    ${ROLLUP_TABLES.map(
      (table) =>
        `INSERT INTO ${schema}.${table} (${ROLLUP_COLUMN_LIST}) ${rollupRowsSql(`SELECT 1 AS sign, * FROM ${schema}.events`, table)};`,
    ).join("\n")}`;
}
