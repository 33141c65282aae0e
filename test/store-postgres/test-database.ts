import pg from "pg";
import { afterAll, describe, it } from "vitest";
import { requireService } from "../services/require-service.ts";

/**
 * The PostgreSQL the tests use: `LLMETER_TEST_DATABASE_URL`, else the one `.ci/setup/postgres.sh`
 * creates. Every test file works in schemas of its own, so files can run concurrently.
 */
export const TEST_DATABASE_URL =
  process.env.LLMETER_TEST_DATABASE_URL ?? "postgres://llmeter:llmeter@127.0.0.1:5432/llmeter_test";

const POSTGRES_INSTALL =
  "sudo bash .ci/setup/postgres.sh (Debian's postgresql on 127.0.0.1:5432), or set LLMETER_TEST_DATABASE_URL";

/** Whether the test database answers; see requireService for what happens when it does not. */
export async function testDatabaseAvailable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (error) {
    return requireService({
      service: "PostgreSQL",
      missing: `not reachable at ${TEST_DATABASE_URL}: ${(error as Error).message}`,
      install: POSTGRES_INSTALL,
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/** Registers one skipped test that says how to get the server, when it is absent locally. */
export function describeMissingDatabase(name: string): void {
  describe(name, () => {
    it.skip(`needs PostgreSQL at ${TEST_DATABASE_URL}: ${POSTGRES_INSTALL}`, () => {});
  });
}

let schemaCount = 0;

/** A schema name unique to this process and call, e.g. `t_contract_4242_3_k9x`. */
export function uniqueSchemaName(prefix: string): string {
  schemaCount += 1;
  const random = Math.random().toString(36).slice(2, 6);
  return `t_${prefix}_${process.pid}_${schemaCount}_${random}`;
}

/** Runs SQL as the test role on a short-lived connection. */
export async function runSql<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Drops the schemas a test file made. */
export async function dropSchemas(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runSql(
    names.map((name) => `DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE;`).join("\n"),
  );
}

/**
 * A maker of fresh schema names for one test file: each name is unique (`uniqueSchemaName`), and
 * every schema made through it is dropped once the file's tests are done.
 */
export function schemasDroppedAfterAll(): (prefix: string) => string {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(schemas));
  return (prefix) => {
    const schema = uniqueSchemaName(prefix);
    schemas.push(schema);
    return schema;
  };
}
