import { describe, expect, it } from "vitest";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "../store/sample-events.ts";
import { createTcpProxy } from "./tcp-proxy.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

// The COPY write path: streamed in pieces, one statement per append, idempotent by id through
// the staging-table fallback.
const newSchema = schemasDroppedAfterAll();

async function countRows(schema: string): Promise<number> {
  const [row] = await runSql<{ count: string }>(`SELECT count(*) AS count FROM ${schema}.events`);
  return Number(row!.count);
}

async function readAll(store: { events(): AsyncIterable<UsageEvent> }): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for await (const event of store.events()) events.push(event);
  return events;
}

if (await testDatabaseAvailable()) {
  describe("PostgreSQL COPY writes", () => {
    it("stores an append sent in many pieces whole, and a refused row mid-stream stores none of it", async () => {
      const schema = newSchema("copy_atomic");
      // 7 events per piece: 500 events go out as 72 pieces of one COPY statement.
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema, insertChunkSize: 7 });
      const events = sampleEvents(500, { seed: 3, idPrefix: "whole" });
      expect(await store.append(events)).toBe(500);
      expect(await countRows(schema)).toBe(500);

      // Event 400 passes the client checks but the server refuses it (bigint column, 1.5 tokens):
      // pieces before it were already sent, and still nothing of this append is kept.
      const refused = sampleEvents(500, { seed: 4, idPrefix: "refused" });
      refused[400] = { ...refused[400]!, inputTokens: 1.5 };
      const error = await store.append(refused).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toMatch(/invalid input syntax for type bigint: "1\.5"/);
      expect(error?.message).toMatch(/line 401, column input_tokens/);
      expect(await countRows(schema)).toBe(500);
      expect(store.health().failedOperations).toBe(1);

      // The store stays usable, and the corrected batch goes in.
      refused[400] = { ...refused[400]!, inputTokens: 2 };
      expect(await store.append(refused)).toBe(500);
      expect(await countRows(schema)).toBe(1000);
      await store.close();
    });

    it("re-sends a COPY whose connection is cut mid-stream, and stores every event once", async () => {
      const schema = newSchema("copy_cut");
      const target = new URL(TEST_DATABASE_URL);
      const proxy = await createTcpProxy(target.hostname, Number(target.port || 5432));
      const url = new URL(TEST_DATABASE_URL);
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port);
      const messages: string[] = [];
      const store = createPostgresStore({
        url: url.toString(),
        schema,
        insertChunkSize: 100,
        connectionTimeoutMs: 1_000,
        retry: { maxElapsedMs: 20_000, initialDelayMs: 20, maxDelayMs: 200 },
        onDiagnostic: (message) => messages.push(message),
      });
      await store.ready();
      const events = sampleEvents(5_000, { seed: 12, idPrefix: "cut" });
      // Encoding event 2,500 (its attributes are read only then) cuts every connection: 25
      // pieces have gone out by that point, and the server must discard them with the statement.
      const attributes = events[2_500]!.attributes;
      let cut = false;
      Object.defineProperty(events[2_500]!, "attributes", {
        enumerable: true,
        get() {
          if (!cut) {
            cut = true;
            void proxy.stop().then(() => setTimeout(() => void proxy.start(), 300));
          }
          return attributes;
        },
      });
      try {
        expect(await store.append(events)).toBe(5_000);
        expect(cut).toBe(true);
        expect(store.health().retries).toBeGreaterThan(0);
        expect(messages.some((message) => message.includes("available again"))).toBe(true);
        const [row] = await runSql<{ count: string; distinct: string }>(
          `SELECT count(*) AS count, count(DISTINCT id) AS distinct FROM ${schema}.events`,
        );
        expect(Number(row!.count)).toBe(5_000);
        expect(Number(row!.distinct)).toBe(5_000);
      } finally {
        await store.close();
        await proxy.close();
      }
    });

    it("refuses an insertChunkSize that is not a whole number ≥ 1", () => {
      for (const insertChunkSize of [0, -5, 2.5, Number.NaN]) {
        expect(() => createPostgresStore({ url: TEST_DATABASE_URL, insertChunkSize })).toThrow(
          /insertChunkSize must be a whole number of events ≥ 1/,
        );
      }
    });

    it("round-trips tabs, newlines, backslashes, quotes and non-ASCII text exactly", async () => {
      const schema = newSchema("copy_text");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      const [base] = sampleEvents(1, { seed: 8 });
      const event: UsageEvent = {
        ...base!,
        id: "id\twith\ttab\\and\\backslash",
        model: 'model "quoted"\r\nnext line',
        tenantId: "tenant-ü-日本-🚀",
        errorMessage: "C:\\path\\to\\file\tcolumn\n\\N is not null",
        attributes: { "key\twith tab": "value\\with\nnewline", emoji: "🙂", empty: "" },
      };
      expect(await store.append([event])).toBe(1);
      const [stored] = await readAll(store);
      expect(stored).toEqual(event);
      // A replay of the same event is recognised by its id, escapes and all.
      expect(await store.append([event])).toBe(0);
      await store.close();
    });

    it("writes overlapping batches from several instances at once exactly once", async () => {
      const schema = newSchema("copy_overlap");
      const stores = Array.from({ length: 4 }, () =>
        createPostgresStore({ url: TEST_DATABASE_URL, schema, maxConnections: 2 }),
      );
      await Promise.all(stores.map((store) => store.ready()));
      const events = sampleEvents(2_000, { seed: 11, idPrefix: "shared" });
      // Each instance sends an overlapping window of the same events, twice.
      const windows = stores.map((_, index) => events.slice(index * 400, index * 400 + 800));
      const added = await Promise.all(
        stores.flatMap((store, index) => [
          store.append(windows[index]!),
          store.append(windows[index]!),
        ]),
      );
      const distinct = new Set(windows.flat().map((event) => event.id)).size;
      expect(added.reduce((sum, count) => sum + count, 0)).toBe(distinct);
      expect(await countRows(schema)).toBe(distinct);
      // No staging table outlives its transaction.
      const [temporary] = await runSql<{ count: string }>(
        "SELECT count(*) AS count FROM pg_class WHERE relname = 'llmeter_staging'",
      );
      expect(Number(temporary!.count)).toBe(0);
      await Promise.all(stores.map((store) => store.close()));
    });
  });
} else {
  describeMissingDatabase("PostgreSQL COPY writes");
}
