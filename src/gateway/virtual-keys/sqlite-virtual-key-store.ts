import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { withBusyRetrySync } from "../../store/sqlite/busy-retry.ts";
import {
  KEY_COLUMNS,
  type KeyRow,
  keyFromRow,
  keyRowValues,
  type StoredVirtualKey,
  type VirtualKeyHash,
  type VirtualKeyRecord,
  type VirtualKeyStore,
  withoutHash,
} from "./virtual-key-store.ts";

/** The table beside the events, created by the first `llmeter keys create` (like the budget tables). */
const KEYS_TABLE = `CREATE TABLE IF NOT EXISTS virtual_keys (
  id TEXT PRIMARY KEY, name TEXT, tenant_id TEXT, user_id TEXT, provider TEXT,
  limit_usd REAL, budget_window TEXT, rate_limit_per_minute INTEGER,
  salt TEXT NOT NULL, secret_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL, rotated_ms INTEGER, revoked_ms INTEGER)`;

const BUSY_TIMEOUT_MS = 10_000;

/**
 * The virtual keys in the SQLite ledger at `location`. With `create`, the table is made if
 * missing (the CLI). Without it (the gateway), a ledger file or table that does not exist yet
 * reads as no keys and is looked for again on the next call, so the gateway never writes a
 * schema of its own into a ledger its meter is still creating.
 */
export function openSqliteVirtualKeyStore(
  location: string,
  options: { create: boolean },
): VirtualKeyStore {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as
    | typeof import("node:sqlite")
    | undefined;
  if (sqlite === undefined)
    throw new Error(
      `Virtual keys need Node.js 22.13 or newer (node:sqlite); this is ${process.version}.`,
    );
  const path = resolve(location);
  let db: DatabaseSync | undefined;
  let ready = false;
  const open = (): DatabaseSync | undefined => {
    if (ready) return db;
    if (db === undefined) {
      if (!options.create && !existsSync(path)) return undefined;
      db = new sqlite.DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    }
    if (options.create) withBusyRetrySync(() => db?.exec(KEYS_TABLE), BUSY_TIMEOUT_MS);
    else if (
      db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'virtual_keys'")
        .get() === undefined
    )
      return undefined;
    ready = true;
    return db;
  };
  const writable = (): DatabaseSync => {
    const opened = open();
    if (opened === undefined) throw new Error(`No virtual keys table in the ledger at ${path}.`);
    return opened;
  };
  return {
    async insert(key: StoredVirtualKey) {
      writable()
        .prepare(
          `INSERT INTO virtual_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...keyRowValues(key));
    },
    async get(id: string) {
      const row = open()?.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE id = ?`).get(id);
      return row === undefined ? undefined : keyFromRow(row as unknown as KeyRow);
    },
    async list(): Promise<VirtualKeyRecord[]> {
      const rows = open()
        ?.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys ORDER BY created_ms, id`)
        .all();
      return (rows ?? []).map((row) => withoutHash(keyFromRow(row as unknown as KeyRow)));
    },
    async replaceSecret(id: string, secret: VirtualKeyHash, rotatedAt: string) {
      const result = writable()
        .prepare(
          "UPDATE virtual_keys SET salt = ?, secret_hash = ?, rotated_ms = ? WHERE id = ? AND revoked_ms IS NULL",
        )
        .run(secret.salt, secret.hash, Date.parse(rotatedAt), id);
      return Number(result.changes) === 1;
    },
    async revoke(id: string, revokedAt: string) {
      const result = writable()
        .prepare("UPDATE virtual_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL")
        .run(Date.parse(revokedAt), id);
      return Number(result.changes) === 1;
    },
    async activeCount() {
      const row = open()
        ?.prepare("SELECT COUNT(*) AS count FROM virtual_keys WHERE revoked_ms IS NULL")
        .get() as { count: number } | undefined;
      return row?.count ?? 0;
    },
    async close() {
      db?.close();
      db = undefined;
      ready = false;
    },
  };
}
