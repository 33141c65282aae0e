import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.ts";
import { createPostgresStore, SCHEMA_VERSION } from "../../src/store/postgres/index.ts";
import { sampleEvents } from "../store/sample-events.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("PostgreSQL schema and migrations", () => {
    it("migrates exactly once when many instances open a new database at the same moment", async () => {
      const schema = newSchema("race");
      // Separate pools: separate connections racing inside PostgreSQL, as separate processes would.
      const stores = Array.from({ length: 8 }, () =>
        createPostgresStore({ url: TEST_DATABASE_URL, schema, maxConnections: 2 }),
      );
      const opened = await Promise.all(stores.map((store) => store.ready()));
      expect(opened.map((info) => info.schemaVersion)).toEqual(Array(8).fill(SCHEMA_VERSION));
      const versions = await runSql<{ version: number }>(
        `SELECT version FROM ${schema}.llmeter_migrations ORDER BY version`,
      );
      expect(versions.map((row) => row.version)).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1),
      );
      // Every instance can write at once into the one table.
      const counts = await Promise.all(
        stores.map((store, index) =>
          store.append(sampleEvents(50, { seed: index, idPrefix: `s${index}` })),
        ),
      );
      expect(counts).toEqual(Array(8).fill(50));
      await Promise.all(stores.map((store) => store.close()));
    });

    it("creates the plain table with the indexes the queries use when TimescaleDB is absent", async () => {
      const schema = newSchema("plain");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      const info = await store.ready();
      const [extension] = await runSql<{ present: boolean }>(
        "SELECT count(*) > 0 AS present FROM pg_extension WHERE extname = 'timescaledb'",
      );
      expect(info.hypertable).toBe(extension!.present);
      const indexes = await runSql<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
        [schema],
      );
      expect(indexes.map((row) => row.indexname)).toEqual(
        expect.arrayContaining([
          "events_by_session",
          "events_by_tenant",
          "events_by_time",
          "events_by_user",
          "events_pkey",
        ]),
      );
      await store.close();
    });

    it("refuses a ledger migrated by a newer llmeter instead of misreading it", async () => {
      const schema = newSchema("newer");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      await store.ready();
      await store.close();
      await runSql(
        `INSERT INTO ${schema}.llmeter_migrations (version) VALUES (${SCHEMA_VERSION + 1})`,
      );
      const again = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      await expect(again.ready()).rejects.toThrow(
        new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this llmeter understands`),
      );
      await expect(again.append(sampleEvents(1))).rejects.toThrow(/newer than this llmeter/);
      await again.close();
    });

    it("opens through openStore with a postgres:// URL and its ?schema= parameter", async () => {
      const schema = newSchema("open");
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", schema);
      const store = await openStore(url.toString());
      expect(await store.append(sampleEvents(10))).toBe(10);
      const [row] = await runSql<{ count: string }>(
        `SELECT count(*) AS count FROM ${schema}.events`,
      );
      expect(Number(row!.count)).toBe(10);
      await store.close();
    });

    it("fails at open with a clear message for a wrong password, without printing it", async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.password = "not-the-password";
      const error = await openStore(url.toString()).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toMatch(/password authentication failed/);
      expect(error?.message).toMatch(/Fix the credentials in the URL/);
      expect(error?.message).not.toContain("not-the-password");
    });

    it("rejects a bad event before writing anything of its batch", async () => {
      const schema = newSchema("bad");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      const events = sampleEvents(3);
      const broken = [...events, { ...events[0]!, id: "broken", timestamp: "yesterday" }];
      await expect(store.append(broken)).rejects.toThrow(
        /events\[3\] \(id broken\): timestamp "yesterday" is not an ISO 8601 date/,
      );
      await store.ready();
      const [row] = await runSql<{ count: string }>(
        `SELECT count(*) AS count FROM ${schema}.events`,
      );
      expect(Number(row!.count)).toBe(0);
      await store.close();
    });

    it("stores text with NUL characters (which PostgreSQL text cannot hold) without them", async () => {
      const schema = newSchema("nul");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      const [event] = sampleEvents(1);
      const withNul = {
        ...event!,
        errorMessage: "bad\u0000byte",
        attributes: { note: "a\u0000b", literal: "back\\u0000slash" },
      };
      expect(await store.append([withNul])).toBe(1);
      const stored = [];
      for await (const read of store.events()) stored.push(read);
      expect(stored[0]?.errorMessage).toBe("badbyte");
      expect(stored[0]?.attributes).toEqual({ note: "ab", literal: "back\\u0000slash" });
      await store.close();
    });

    it("enforces a size bound by deleting the oldest events", async () => {
      const schema = newSchema("size");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      const events = sampleEvents(400, { seed: 9 });
      await store.append(events);
      const full = await store.enforceRetention({ maxBytes: 1e12 });
      expect(full.deleted).toBe(0);
      const half = Math.floor(full.sizeBytes! / 2);
      const result = await store.enforceRetention({ maxBytes: half });
      expect(result.sizeBytes).toBeLessThanOrEqual(half);
      expect(result.deleted).toBeGreaterThan(0);
      const left: string[] = [];
      for await (const event of store.events()) left.push(event.timestamp);
      expect(left.length).toBe(400 - result.deleted);
      // The survivors are the newest events.
      const newest = events
        .map((event) => event.timestamp)
        .sort()
        .slice(400 - left.length);
      expect(left).toEqual(newest);
      await store.close();
    });
  });
} else {
  describeMissingDatabase("PostgreSQL schema and migrations");
}
