import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { aggregateEvents } from "../../src/stats/aggregate-events.ts";
import type { GroupBy } from "../../src/stats/usage-stats.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "../store/sample-events.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const run = promisify(execFile);
const NODE = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
const WRITER = fileURLToPath(new URL("./writer-process.ts", import.meta.url));

const WRITERS = 4;
const EVENTS_PER_WRITER = 25_000;

const newSchema = schemasDroppedAfterAll();

/** Numbers equal up to float summation order; everything else exactly. */
function expectSameNumbers(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number") {
    expect(typeof actual, path).toBe("number");
    const allowed = Math.max(Math.abs(expected) * 1e-9, 1e-9);
    if (Math.abs((actual as number) - expected) > allowed) {
      expect.fail(`${path}: expected ${expected}, got ${actual}`);
    }
    return;
  }
  if (expected !== null && typeof expected === "object") {
    const actualObject = actual as Record<string, unknown>;
    const expectedObject = expected as Record<string, unknown>;
    expect(Object.keys(actualObject).sort(), path).toEqual(Object.keys(expectedObject).sort());
    for (const key of Object.keys(expectedObject)) {
      expectSameNumbers(actualObject[key], expectedObject[key], `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

if (await testDatabaseAvailable()) {
  describe("PostgreSQL as one ledger for a fleet", () => {
    it(`${WRITERS} writer processes × ${EVENTS_PER_WRITER.toLocaleString("en")} events: exact rows, no duplicates after a replay, totals as computed in memory`, async () => {
      const schema = newSchema("fleet");
      // The schema does not exist yet: the writers also race to create and migrate it.
      const outputs = await Promise.all(
        Array.from({ length: WRITERS }, (_, seed) =>
          run(NODE, [
            WRITER,
            TEST_DATABASE_URL,
            schema,
            String(seed + 1),
            String(EVENTS_PER_WRITER),
          ]),
        ),
      );
      const reported = outputs.map((output) => JSON.parse(output.stdout) as { inserted: number });
      expect(reported.map((entry) => entry.inserted)).toEqual(
        Array(WRITERS).fill(EVENTS_PER_WRITER),
      );

      const [counted] = await runSql<{ rows: string; ids: string }>(
        `SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM ${schema}.events`,
      );
      expect(Number(counted!.rows)).toBe(WRITERS * EVENTS_PER_WRITER);
      expect(Number(counted!.ids)).toBe(WRITERS * EVENTS_PER_WRITER);

      // The same events again, as a fleet replaying after a crash: nothing is added.
      const all: UsageEvent[] = [];
      for (let seed = 1; seed <= WRITERS; seed++) {
        all.push(
          ...sampleEvents(EVENTS_PER_WRITER, {
            seed,
            idPrefix: `writer${seed}`,
            spanMs: 30 * 86_400_000,
          }),
        );
      }
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      expect(await store.append(all)).toBe(0);
      const [replayed] = await runSql<{ rows: string }>(
        `SELECT count(*) AS rows FROM ${schema}.events`,
      );
      expect(Number(replayed!.rows)).toBe(WRITERS * EVENTS_PER_WRITER);

      const groupBy: GroupBy[] = ["provider", "model", "tenant", "day", "week"];
      const timeZone = "Europe/Paris";
      const stored = await store.aggregate({ filter: {}, groupBy, timeZone });
      const expected = aggregateEvents(all, { groupBy, timeZone });
      expectSameNumbers(stored.totals, expected.totals, "totals");
      expectSameNumbers(stored.errorsByType, expected.errorsByType, "errorsByType");
      for (const key of groupBy) {
        expectSameNumbers(stored.groupsBy[key], expected.groupsBy[key], key);
      }
      expect(stored.totals.totalRequests).toBe(WRITERS * EVENTS_PER_WRITER);
      await store.close();
    }, 120_000);
  });
} else {
  describeMissingDatabase("PostgreSQL as one ledger for a fleet");
}
