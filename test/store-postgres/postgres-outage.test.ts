import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import {
  createPostgresStore,
  openPostgresStore,
  type PostgresStore,
} from "../../src/store/postgres/index.ts";
import { sampleEvents } from "../store/sample-events.ts";
import { createTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
import {
  describeMissingDatabase,
  dropSchemas,
  runSql,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
  uniqueSchemaName,
} from "./test-database.ts";

// The database goes away while the application writes: a proxy in front of the real server is
// switched off (every connection dropped, new ones refused) and on again.

const schemas: string[] = [];

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  // A condition, not a duration: polls until it holds (the test timeout bounds it).
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(condition(), what).toBe(true);
}

async function countRows(schema: string): Promise<number> {
  const rows = await runSql<{ count: string }>(`SELECT count(*) AS count FROM ${schema}.events`);
  return Number(rows[0]!.count);
}

async function distinctIds(schema: string): Promise<number> {
  const rows = await runSql<{ count: string }>(
    `SELECT count(DISTINCT id) AS count FROM ${schema}.events`,
  );
  return Number(rows[0]!.count);
}

if (await testDatabaseAvailable()) {
  describe("PostgreSQL store while the database is briefly unavailable", () => {
    let proxy: TcpProxy;
    const target = new URL(TEST_DATABASE_URL);

    function proxiedUrl(): string {
      const url = new URL(TEST_DATABASE_URL);
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port);
      return url.toString();
    }

    function openProxiedStore(
      schema: string,
      messages: string[] = [],
      maxElapsedMs = 20_000,
    ): PostgresStore {
      schemas.push(schema);
      return createPostgresStore({
        url: proxiedUrl(),
        schema,
        connectionTimeoutMs: 1_000,
        retry: { maxElapsedMs, initialDelayMs: 20, maxDelayMs: 200 },
        onDiagnostic: (message) => messages.push(message),
      });
    }

    beforeAll(async () => {
      proxy = await createTcpProxy(target.hostname, Number(target.port || 5432));
    });
    afterAll(async () => {
      await proxy.close();
      await dropSchemas(schemas);
    });

    it("holds an append while the server is away and writes it once it is back", async () => {
      const messages: string[] = [];
      const schema = uniqueSchemaName("outage_store");
      const store = openProxiedStore(schema, messages);
      const [before, during] = [
        sampleEvents(300, { seed: 1, idPrefix: "before" }),
        sampleEvents(700, { seed: 2, idPrefix: "during" }),
      ];
      expect(await store.append(before)).toBe(300);

      await proxy.stop();
      const pending = store.append(during);
      await waitFor(() => store.health().retries >= 3, "the store kept retrying");
      expect(store.health().unavailable).toBe(true);
      await proxy.start();

      expect(await pending).toBe(700);
      expect(store.health().unavailable).toBe(false);
      expect(await countRows(schema)).toBe(1000);
      expect(await distinctIds(schema)).toBe(1000);
      // One report when it went away, one when it came back; never the password.
      expect(messages).toHaveLength(2);
      expect(messages[0]).toMatch(/unavailable; retrying/);
      expect(messages[1]).toMatch(/available again/);
      for (const message of messages) expect(message).not.toContain(`:${target.password}@`);
      await store.close();
    });

    it("loses nothing through the meter: calls keep working, events land once the server is back", async () => {
      const schema = uniqueSchemaName("outage_meter");
      const store = openProxiedStore(schema);
      await store.ready();
      const meter = createMeter({
        store,
        pricing: false,
        instrumentations: [],
        diagnostics: () => {},
      });
      const record = (index: number) =>
        meter.recordLlm({
          id: `call-${index}`,
          provider: "openai",
          model: "gpt-4o",
          inputTokens: 100 + index,
          outputTokens: 10,
          costUsd: 0.001,
        });
      for (let index = 0; index < 200; index++) record(index);
      await meter.flush();
      expect(await countRows(schema)).toBe(200);

      await proxy.stop();
      // The application's own calls are untouched by the outage.
      const answers: string[] = [];
      for (let index = 200; index < 1200; index++) {
        record(index);
        answers.push(
          await meter.track(
            { provider: "openai", model: "gpt-4o", id: `tracked-${index}` },
            async (tracker) => {
              tracker.setTokens({ inputTokens: 5, outputTokens: 1 });
              return `answer ${index}`;
            },
          ),
        );
      }
      expect(answers).toHaveLength(1000);
      expect(answers[999]).toBe("answer 1199");
      // Keep the server away for a few seconds' worth of retries (20, 40, ... 200 ms apart).
      await waitFor(() => store.health().retries >= 15, "the store kept retrying");
      await proxy.start();

      await meter.flush();
      await waitFor(
        () => meter.getHealth().droppedBySink.ledger !== undefined,
        "health lists the ledger",
      );
      expect(meter.getHealth().droppedBySink.ledger).toBe(0);
      expect(await countRows(schema)).toBe(2200);
      expect(await distinctIds(schema)).toBe(2200);
      await meter.shutdown();
    });

    it("beyond the buffer bound, drops are counted and everything else is written", async () => {
      const schema = uniqueSchemaName("outage_bound");
      const store = openProxiedStore(schema);
      await store.ready();
      const meter = createMeter({
        store,
        pricing: false,
        instrumentations: [],
        maxBufferedEvents: 150,
        diagnostics: () => {},
      });
      await proxy.stop();
      const total = 1000;
      for (let index = 0; index < total; index++) {
        meter.recordLlm({
          id: `bounded-${index}`,
          provider: "openai",
          model: "gpt-4o",
          inputTokens: 1,
        });
      }
      await waitFor(() => store.health().retries >= 2, "the store kept retrying");
      await proxy.start();
      await meter.flush();

      const dropped = meter.getHealth().droppedBySink.ledger ?? 0;
      const stored = await countRows(schema);
      expect(dropped).toBeGreaterThan(0);
      expect(stored).toBeGreaterThanOrEqual(150);
      expect(stored + dropped).toBe(total);
      await meter.shutdown();
    });

    it("opens during an outage and writes once the database is back (an instance starting mid-outage)", async () => {
      const schema = uniqueSchemaName("outage_open");
      schemas.push(schema);
      await proxy.stop();
      const store = await openPostgresStore(proxiedUrl(), {
        schema,
        connectionTimeoutMs: 1_000,
        retry: { maxElapsedMs: 300, initialDelayMs: 20, maxDelayMs: 100 },
        onDiagnostic: () => {},
      });
      expect(store.health().retries).toBeGreaterThan(0);
      await proxy.start();
      expect(await store.append(sampleEvents(20, { seed: 4 }))).toBe(20);
      expect(await countRows(schema)).toBe(20);
      await store.close();
    });

    it("gives up after the retry window with an error naming the server but not the password", async () => {
      const schema = uniqueSchemaName("outage_giveup");
      const store = openProxiedStore(schema, [], 300);
      await store.ready();
      await proxy.stop();
      const error = await store.append(sampleEvents(5, { seed: 3 })).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      await proxy.start();
      expect(error?.message).toMatch(
        /Could not append events in PostgreSQL at postgres:\/\/llmeter:\*\*\*@127\.0\.0\.1/,
      );
      expect(error?.message).toMatch(/stayed unavailable through 300 ms of retries/);
      expect(store.health().failedOperations).toBe(1);
      // Nothing half-written, and the store works again once the server is back.
      expect(await countRows(schema)).toBe(0);
      expect(await store.append(sampleEvents(5, { seed: 3 }))).toBe(5);
      await store.close();
    });
  });
} else {
  describeMissingDatabase("PostgreSQL store while the database is briefly unavailable");
}
