import type { PoolClient } from "pg";
import { rollupMigrationSql } from "./rollup-sql.ts";

/**
 * The PostgreSQL ledger's schema as ordered migrations. `<schema>.llmeter_migrations` records
 * which have run. Opening a store runs the missing ones under a PostgreSQL advisory lock, so any
 * number of instances can start at once and exactly one migrates. Never edit a shipped
 * migration: append one.
 *
 * The table mirrors the SQLite ledger's layout: the fields that queries filter, group or sum on
 * have a column; every other event field lives in one `extra` JSONB column.
 */
export type Migration = (schema: string, context: MigrationContext) => string;

/** What a migration may depend on in the database it runs in. */
export interface MigrationContext {
  /** Whether the TimescaleDB extension is installed in this database. */
  timescale: boolean;
  /**
   * The quoted schema holding TimescaleDB's functions (`"public"` usually), so they are found
   * whatever the connection's search_path is. Empty without TimescaleDB.
   */
  timescaleSchema: string;
}

export const MIGRATIONS: readonly Migration[] = [
  // 1: events, with the indexes the filters use (period, tenant, user, session).
  (schema, { timescale, timescaleSchema }) => `
    CREATE TABLE ${schema}.events (
      id text NOT NULL,
      ts timestamptz NOT NULL,
      kind text NOT NULL,
      provider text NOT NULL,
      model text NOT NULL,
      tenant_id text,
      user_id text,
      session_id text,
      success boolean NOT NULL,
      error_type text,
      cached boolean,
      streaming boolean,
      input_tokens bigint,
      output_tokens bigint,
      total_tokens bigint,
      cache_read_tokens bigint,
      cache_write_tokens bigint,
      reasoning_tokens bigint,
      cost_usd double precision,
      latency_ms double precision,
      ttft_ms double precision,
      extra jsonb,
      -- A hypertable's unique keys must contain its time column; a replayed event keeps its
      -- timestamp, so (id, ts) still makes replays idempotent there.
      PRIMARY KEY ${timescale ? "(id, ts)" : "(id)"}
    );
    ${
      timescale
        ? // create_hypertable's pre-2.13 signature, which every TimescaleDB 1.x and 2.x accepts
          // (https://docs.timescale.com/api/latest/hypertable/create_hypertable_old/), qualified
          // by the extension's schema. No default ts index: events_by_time (ts, id) serves time
          // filters, and each index costs every insert. (Edited after shipping, in this
          // never-tested TimescaleDB branch only: a hypertable created before keeps an extra
          // events_ts_idx, which is harmless.)
          `SELECT ${timescaleSchema}.create_hypertable('${schema.replaceAll("'", "''")}.events', 'ts', chunk_time_interval => interval '7 days', create_default_indexes => false);`
        : ""
    }
    CREATE INDEX events_by_time ON ${schema}.events (ts, id);
    CREATE INDEX events_by_tenant ON ${schema}.events (tenant_id, ts) WHERE tenant_id IS NOT NULL;
    CREATE INDEX events_by_user ON ${schema}.events (user_id, ts) WHERE user_id IS NOT NULL;
    CREATE INDEX events_by_session ON ${schema}.events (session_id, ts) WHERE session_id IS NOT NULL;`,
  // 2: budgets (src/budgets/postgres): rules saved with `llmeter budget set`, fired alerts (one row
  // per rule, window and threshold: the de-duplication key) and in-flight reservations.
  (schema) => `
    CREATE TABLE ${schema}.budget_rules (
      id text PRIMARY KEY,
      rule jsonb NOT NULL,
      updated_ms bigint NOT NULL
    );
    CREATE TABLE ${schema}.budget_reservations (
      id text NOT NULL,
      rule_id text NOT NULL,
      window_key text NOT NULL,
      event_id text NOT NULL,
      state text NOT NULL,
      amount_usd double precision NOT NULL,
      tokens bigint NOT NULL,
      created_ms bigint NOT NULL,
      expires_ms bigint NOT NULL,
      PRIMARY KEY (id, rule_id)
    );
    CREATE INDEX budget_reservations_by_rule ON ${schema}.budget_reservations (rule_id, window_key);
    CREATE TABLE ${schema}.budget_alerts (
      rule_id text NOT NULL,
      window_key text NOT NULL,
      threshold double precision NOT NULL,
      fired_ms bigint NOT NULL,
      spent_usd double precision NOT NULL,
      PRIMARY KEY (rule_id, window_key, threshold)
    );`,
  // 3: virtual keys of the gateway (src/gateway/virtual-keys): who each key belongs to, its
  // limits, and the salted hash of its current secret (never the secret).
  (schema) => `
    CREATE TABLE ${schema}.virtual_keys (
      id text PRIMARY KEY,
      name text,
      tenant_id text,
      user_id text,
      provider text,
      limit_usd double precision,
      budget_window text,
      rate_limit_per_minute integer,
      salt text NOT NULL,
      secret_hash text NOT NULL,
      created_ms bigint NOT NULL,
      rotated_ms bigint,
      revoked_ms bigint
    );`,
  // 4: hourly and daily rollups kept by statement-level triggers, backfilled from the events
  // (src/store/postgres/rollup-sql.ts).
  (schema, { timescale }) => rollupMigrationSql(schema, timescale),
];

/** The schema version this code writes. A newer database is refused rather than misread. */
export const SCHEMA_VERSION = MIGRATIONS.length;

// First key of the two-key advisory lock: llmeter's own namespace ("llme" as an int32), so it
// cannot collide with an application's single-key locks. The second key is the schema's hash.
const ADVISORY_LOCK_NAMESPACE = 0x6c6c6d65;

/**
 * Brings the schema up to `SCHEMA_VERSION`. `quotedSchema` is the escaped identifier, `schema`
 * the raw name. Throws a clear error when the database was migrated by a newer llmeter.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  quotedSchema: string,
  displayUrl: string,
): Promise<{ version: number; timescale: boolean; migrated: boolean; rollups: boolean }> {
  // Fast path without the lock: already current.
  const before = await currentVersion(client, quotedSchema);
  if (before === SCHEMA_VERSION) {
    return {
      version: before,
      timescale: await isHypertable(client, schema),
      migrated: false,
      rollups: await hasRollups(client, quotedSchema),
    };
  }
  if (before > SCHEMA_VERSION) throw newerSchemaError(displayUrl, schema, before);

  // One transaction holding a transaction-level advisory lock: DDL is transactional in
  // PostgreSQL, so a failed migration leaves nothing behind, and the lock works through poolers
  // in transaction mode (PgBouncer), where a session-level lock could be taken on one server
  // connection and released on another.
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
      ADVISORY_LOCK_NAMESPACE,
      schema,
    ]);
    // Inside the lock: another instance may have migrated meanwhile.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quotedSchema}.llmeter_migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const locked = await currentVersion(client, quotedSchema);
    if (locked > SCHEMA_VERSION) throw newerSchemaError(displayUrl, schema, locked);
    const timescaleSchema = await timescaleExtensionSchema(client);
    const context = {
      timescale: timescaleSchema !== undefined,
      timescaleSchema: timescaleSchema ?? "",
    };
    for (let version = locked; version < SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version]!(quotedSchema, context));
      await client.query(`INSERT INTO ${quotedSchema}.llmeter_migrations (version) VALUES ($1)`, [
        version + 1,
      ]);
    }
    await client.query("COMMIT");
    return {
      version: SCHEMA_VERSION,
      timescale: await isHypertable(client, schema),
      migrated: locked < SCHEMA_VERSION,
      rollups: await hasRollups(client, quotedSchema),
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      // The connection is gone; the server rolls the transaction back itself.
    });
    throw error;
  }
}

async function currentVersion(client: PoolClient, quotedSchema: string): Promise<number> {
  const exists = await client.query<{ table: string | null }>("SELECT to_regclass($1) AS table", [
    `${quotedSchema}.llmeter_migrations`,
  ]);
  if (exists.rows[0]?.table == null) return 0;
  const result = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quotedSchema}.llmeter_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

/**
 * Whether migration 4 created the rollup tables. It does not where TimescaleDB is installed (see
 * rollup-sql.ts), even for an events table created as a plain table before the extension was.
 */
async function hasRollups(client: PoolClient, quotedSchema: string): Promise<boolean> {
  const result = await client.query<{ table: string | null }>("SELECT to_regclass($1) AS table", [
    `${quotedSchema}.rollups_daily`,
  ]);
  return result.rows[0]?.table != null;
}

async function hasTimescale(client: PoolClient): Promise<boolean> {
  const result = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  return result.rowCount === 1;
}

/** The quoted schema TimescaleDB is installed in, or undefined when it is not installed. */
async function timescaleExtensionSchema(client: PoolClient): Promise<string | undefined> {
  const result = await client.query<{ schema: string }>(
    `SELECT quote_ident(n.nspname) AS schema FROM pg_extension e
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'`,
  );
  return result.rows[0]?.schema;
}

async function isHypertable(client: PoolClient, schema: string): Promise<boolean> {
  if (!(await hasTimescale(client))) return false;
  const result = await client.query(
    "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = 'events'",
    [schema],
  );
  return result.rowCount === 1;
}

function newerSchemaError(displayUrl: string, schema: string, version: number): Error {
  return new Error(
    `The llmeter ledger in schema "${schema}" of ${displayUrl} has schema version ${version}, newer than this llmeter understands (${SCHEMA_VERSION}). Upgrade llmeter on this instance, or use another schema.`,
  );
}
