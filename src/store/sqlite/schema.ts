import type { DatabaseSync } from "node:sqlite";
import { backfillRollups, migrateDayRollups, ROLLUP_MIGRATION } from "./rollups.ts";

/**
 * The columns of the events table since schema 1, for copying it whole. Written out rather than
 * taken from `EVENT_COLUMNS` (and migration 5's table rather than derived from migration 1's text):
 * a migration is a frozen snapshot, and a later change to the live column list must not change
 * what migration 5 does to a schema-4 ledger.
 */
const EVENTS_V1_COLUMNS =
  "id, ts_ms, kind, provider, model, tenant_id, user_id, session_id, success, error_type, cached, " +
  "streaming, input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, " +
  "reasoning_tokens, cost_usd, latency_ms, ttft_ms, extra";

/** Migration 5's SQL: the events table rebuilt without `UNIQUE` on the id (see below). */
const EVENTS_KEYED_BY_TIME = `CREATE TABLE events_keyed_by_time (
     id TEXT NOT NULL,
     ts_ms INTEGER NOT NULL,
     kind TEXT NOT NULL,
     provider TEXT NOT NULL,
     model TEXT NOT NULL,
     tenant_id TEXT,
     user_id TEXT,
     session_id TEXT,
     success INTEGER NOT NULL,
     error_type TEXT,
     cached INTEGER,
     streaming INTEGER,
     input_tokens INTEGER,
     output_tokens INTEGER,
     total_tokens INTEGER,
     cache_read_tokens INTEGER,
     cache_write_tokens INTEGER,
     reasoning_tokens INTEGER,
     cost_usd REAL,
     latency_ms REAL,
     ttft_ms REAL,
     extra TEXT
   );
   INSERT INTO events_keyed_by_time (rowid, ${EVENTS_V1_COLUMNS})
     SELECT rowid, ${EVENTS_V1_COLUMNS} FROM events;
   DROP TABLE events;
   ALTER TABLE events_keyed_by_time RENAME TO events;
   CREATE UNIQUE INDEX events_by_time_id ON events (ts_ms, id);
   CREATE INDEX events_by_session ON events (session_id, ts_ms) WHERE session_id IS NOT NULL;`;

/** A migration: SQL to run, or a function for steps SQL alone cannot do (backfills). */
type Migration = string | ((db: DatabaseSync) => void);

/**
 * The ledger's schema, as an ordered list of migrations. `PRAGMA user_version` holds how many
 * have run; opening a ledger runs the missing ones in one write transaction, so two processes
 * opening a new file at once cannot both migrate it. Never edit a shipped migration: append one.
 */
export const MIGRATIONS: readonly Migration[] = [
  // 1: events. Few indexes on purpose: each one slows every insert. Time ranges and sessions are
  // indexed; tenant, provider and model queries are served by the rollups of migration 2. (Since
  // migration 5, ids are unique per time, not alone.)
  `CREATE TABLE events (
     id TEXT NOT NULL UNIQUE,
     ts_ms INTEGER NOT NULL,
     kind TEXT NOT NULL,
     provider TEXT NOT NULL,
     model TEXT NOT NULL,
     tenant_id TEXT,
     user_id TEXT,
     session_id TEXT,
     success INTEGER NOT NULL,
     error_type TEXT,
     cached INTEGER,
     streaming INTEGER,
     input_tokens INTEGER,
     output_tokens INTEGER,
     total_tokens INTEGER,
     cache_read_tokens INTEGER,
     cache_write_tokens INTEGER,
     reasoning_tokens INTEGER,
     cost_usd REAL,
     latency_ms REAL,
     ttft_ms REAL,
     extra TEXT
   );
   CREATE INDEX events_by_time ON events (ts_ms);
   CREATE INDEX events_by_session ON events (session_id, ts_ms) WHERE session_id IS NOT NULL;`,
  // 2: hourly rollups (see rollups.ts), filled from the events already there.
  (db) => {
    db.exec(ROLLUP_MIGRATION);
    backfillRollups(db);
  },
  // 3: daily rollups (see rollups.ts), summed from the hourly ones.
  migrateDayRollups,
  // 4: one row per session (first and last call), kept on append, so listing the latest sessions
  // reads a few rows instead of grouping every event of the ledger.
  `CREATE TABLE sessions (
     session_id TEXT PRIMARY KEY,
     started_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX sessions_by_last ON sessions (last_ms);
   INSERT INTO sessions
     SELECT session_id, MIN(ts_ms), MAX(ts_ms) FROM events WHERE session_id IS NOT NULL GROUP BY session_id;`,
  // 5: events are unique by (time, id) instead of by id, in one index that also serves time
  // ranges: the separate unique-id and time indexes cost about 0.8 µs per inserted event
  // (docs/decisions/0005-events-keyed-by-time-and-id.md). A replay carries its event's original
  // time, so replays stay idempotent. SQLite cannot drop a column's UNIQUE constraint, so the table
  // is rebuilt, keeping rowids, and the old table's pages are given back to the file system
  // (otherwise the file would stay twice its size until inserts reused them).
  (db) => {
    db.exec(EVENTS_KEYED_BY_TIME);
    db.exec("PRAGMA incremental_vacuum");
  },
];

/** The schema version this code writes. A newer file is refused rather than misread. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` up to `SCHEMA_VERSION`. Throws a clear error for a ledger made by a newer llmeter. */
export function migrate(db: DatabaseSync, location: string): void {
  const current = userVersion(db);
  if (current === SCHEMA_VERSION) return;
  if (current > SCHEMA_VERSION) throw newerSchemaError(location, current);
  db.exec("BEGIN IMMEDIATE");
  try {
    // Re-read inside the lock: another process may have migrated meanwhile.
    const locked = userVersion(db);
    if (locked > SCHEMA_VERSION) throw newerSchemaError(location, locked);
    for (let version = locked; version < SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version]!;
      if (typeof migration === "string") db.exec(migration);
      else migration(db);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

function newerSchemaError(location: string, version: number): Error {
  return new Error(
    `The ledger ${location} has schema version ${version}, newer than this llmeter understands (${SCHEMA_VERSION}). Upgrade llmeter, or point LLMETER_DB at another file.`,
  );
}
