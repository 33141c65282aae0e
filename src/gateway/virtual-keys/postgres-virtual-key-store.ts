import pg from "pg";
import { resolveConnectionTarget } from "../../store/postgres/connection-options.ts";
import { migrate } from "../../store/postgres/schema.ts";
import {
  KEY_COLUMNS,
  type KeyRow,
  keyFromRow,
  keyRowValues,
  type VirtualKeyStore,
  withoutHash,
} from "./virtual-key-store.ts";

/**
 * The virtual keys in a PostgreSQL ledger (migration 3 of the store's schema, run here if the
 * store has not run it yet). Every gateway of a fleet reads the same keys, so a revocation or a
 * rotation reaches all of them on their next request. Connects on first use, and again after a
 * failure: a gateway starts while the database is down, like its meter.
 */
export function openPostgresVirtualKeyStore(options: {
  url: string;
  schema?: string;
}): VirtualKeyStore {
  const target = resolveConnectionTarget(options);
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 4,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: "llmeter-keys",
  });
  pool.on("error", () => {});
  const quoted = pg.escapeIdentifier(target.schema);
  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= (async () => {
      const client = await pool.connect();
      try {
        await migrate(client, target.schema, quoted, target.displayUrl);
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  };
  const query = async <Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => {
    await ready();
    return pool.query<Row>(sql, values);
  };
  const table = `${quoted}.virtual_keys`;
  return {
    async insert(key) {
      const values = keyRowValues(key);
      await query(
        `INSERT INTO ${table} (${KEY_COLUMNS}) VALUES (${values.map((_, index) => `$${index + 1}`).join(", ")})`,
        values,
      );
    },
    async get(id) {
      const result = await query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${table} WHERE id = $1`, [id]);
      const row = result.rows[0];
      return row === undefined ? undefined : keyFromRow(row);
    },
    async list() {
      const result = await query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM ${table} ORDER BY created_ms, id`,
      );
      return result.rows.map((row) => withoutHash(keyFromRow(row)));
    },
    async replaceSecret(id, secret, rotatedAt) {
      const result = await query(
        `UPDATE ${table} SET salt = $1, secret_hash = $2, rotated_ms = $3 WHERE id = $4 AND revoked_ms IS NULL`,
        [secret.salt, secret.hash, Date.parse(rotatedAt), id],
      );
      return result.rowCount === 1;
    },
    async revoke(id, revokedAt) {
      const result = await query(
        `UPDATE ${table} SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL`,
        [Date.parse(revokedAt), id],
      );
      return result.rowCount === 1;
    },
    async activeCount() {
      const result = await query<{ count: string }>(
        `SELECT COUNT(*) AS count FROM ${table} WHERE revoked_ms IS NULL`,
      );
      return Number(result.rows[0]?.count ?? 0);
    },
    async close() {
      await pool.end();
    },
  };
}
