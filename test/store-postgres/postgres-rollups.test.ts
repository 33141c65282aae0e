import { DDSketch } from "@datadog/sketches-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBudgetRule } from "../../src/budgets/budget-rule.ts";
import { openPostgresBudgetLedger } from "../../src/budgets/postgres/postgres-budget-ledger.ts";
import type { GroupBy, UsageFilter } from "../../src/stats/usage-stats.ts";
import { createPostgresStore, type PostgresStore } from "../../src/store/postgres/index.ts";
import {
  HISTOGRAM_KEY_MAPPING,
  PERCENTILE_RELATIVE_ACCURACY,
} from "../../src/store/rollup/latency-histogram.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { expectSameResult } from "../store/rollup-equivalence.ts";
import { createRandom, sampleEvents } from "../store/sample-events.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const newSchema = schemasDroppedAfterAll();
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const END_MS = Date.UTC(2026, 10, 20, 12);
const SPAN_MS = 20 * DAY_MS;

if (await testDatabaseAvailable()) {
  describe("PostgreSQL rollups", () => {
    const schema = newSchema("rollups");
    let store: PostgresStore;
    let raw: PostgresStore;
    const random = createRandom(7);

    beforeAll(async () => {
      store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      raw = createPostgresStore({ url: TEST_DATABASE_URL, schema, useRollups: false });
      await store.ready();
      // Several appends, including a replay (the staging path) and a batch of mixed new and old ids.
      const events = sampleEvents(3_000, { seed: 11, endMs: END_MS, spanMs: SPAN_MS });
      await store.append(events.slice(0, 1_500));
      await store.append(events.slice(1_000, 3_000));
      await store.append(events.slice(0, 200));
    });

    afterAll(async () => {
      await store?.close();
      await raw?.close();
    });

    const randomPeriod = (): UsageFilter => {
      const from = END_MS - SPAN_MS - DAY_MS + Math.floor(random() * (SPAN_MS + DAY_MS));
      const length = Math.floor(random() * (random() < 0.5 ? 2 * DAY_MS : 15 * DAY_MS));
      return { sinceMs: from, untilMs: from + length };
    };

    const compare = async (rounds: number) => {
      const groupings: GroupBy[][] = [
        [],
        ["provider"],
        ["tenant", "model"],
        ["day"],
        ["kind", "week", "month"],
      ];
      const zones = ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"];
      for (let round = 0; round < rounds; round++) {
        const filter: UsageFilter = random() < 0.15 ? {} : randomPeriod();
        if (random() < 0.3) filter.provider = "openai";
        if (random() < 0.2) filter.tenantId = "acme";
        const query = {
          filter,
          groupBy: groupings[round % groupings.length]!,
          timeZone: zones[Math.floor(random() * zones.length)]!,
        };
        const [fromRollups, fromEvents] = await Promise.all([
          store.aggregate(query),
          raw.aggregate(query),
        ]);
        expectSameResult(fromRollups, fromEvents, JSON.stringify(query));
      }
    };

    it("answers like the sum of the events for random periods, filters, groupings and zones", async () => {
      await compare(40);
    });

    const compareBudgets = async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", schema);
      const [fromRollups, fromEvents] = await Promise.all([
        openPostgresBudgetLedger({ url: url.toString() }),
        openPostgresBudgetLedger({ url: url.toString(), useRollups: false }),
      ]);
      const windows = ["day", "week", "month", "24h", { rolling: "7d" }, "90m"];
      const scopes = [
        {},
        { tenantId: "acme" },
        { provider: "openai", model: "gpt-4o" },
        { userId: "user-1" },
      ];
      const zones = ["UTC", "Asia/Kolkata", "America/New_York"];
      let counted = 0;
      for (let round = 0; round < 30; round++) {
        const rule = resolveBudgetRule({
          id: `b${round}`,
          window: windows[round % windows.length],
          timeZone: zones[Math.floor(random() * zones.length)],
          scope: scopes[Math.floor(random() * scopes.length)],
          limitUsd: 1,
        });
        const nowMs = END_MS - Math.floor(random() * SPAN_MS);
        const [spend, reference] = await Promise.all([
          fromRollups.spend(rule, nowMs),
          fromEvents.spend(rule, nowMs),
        ]);
        expect(spend, JSON.stringify({ rule, nowMs })).toEqual(reference);
        if (reference.requests > 0) counted += 1;
      }
      // Most windows hold events: the comparison is not between two zeros.
      expect(counted).toBeGreaterThan(15);
      await Promise.all([fromRollups.close(), fromEvents.close()]);
    };

    it("gives budget checks the same spend as summing the events", async () => {
      await compareBudgets();
    });

    it("keeps the rollups equal to the events after a reprice (updateCosts, reprice's write path)", async () => {
      const changed: UsageEvent[] = [];
      for await (const event of store.events()) {
        // Doubled, dropped (now unpriced) or newly priced: every way a cost can change.
        if (event.costUsd === undefined) changed.push({ ...event, costUsd: 0.000123 });
        else if (changed.length % 7 === 0) changed.push({ ...event, costUsd: undefined });
        else changed.push({ ...event, costUsd: event.costUsd * 2 });
      }
      const before = await store.aggregate({ filter: {}, timeZone: "UTC" });
      for (let start = 0; start < changed.length; start += 1_000)
        await store.updateCosts!(changed.slice(start, start + 1_000));
      const after = await store.aggregate({ filter: {}, timeZone: "UTC" });
      expect(after.totals.totalCostUsd).not.toBe(before.totals.totalCostUsd);
      await compare(15);
      await compareBudgets();
    });

    it("keeps the rollups equal to the events after deletes and retention", async () => {
      const period = randomPeriod();
      expect(await store.delete({ ...period, provider: "google" })).toBeGreaterThan(0);
      await store.enforceRetention({ maxAgeMs: 15 * DAY_MS, nowMs: END_MS });
      // By hand in psql: events moved to another tenant and another hour leave no stale rollup.
      await runSql(
        `UPDATE ${schema}.events SET tenant_id = 'acme', ts = ts + interval '90 minutes'
          WHERE provider = 'anthropic' AND tenant_id = 'globex'`,
      );
      await compare(15);
      // Emptied rollups are dropped, not kept at zero.
      const [zero] = await runSql<{ count: number }>(
        `SELECT count(*)::int AS count FROM ${schema}.rollups_hourly WHERE requests = 0`,
      );
      expect(zero!.count).toBe(0);
      const [oldest] = await runSql<{ oldest: Date }>(
        `SELECT min(bucket_start) AS oldest FROM ${schema}.rollups_hourly`,
      );
      expect(oldest!.oldest.getTime()).toBeGreaterThanOrEqual(END_MS - 15 * DAY_MS - HOUR_MS);
    });

    it("puts a latency in the same histogram bucket in SQL as the JavaScript histograms do", async () => {
      const values = [0, 1e-9, 0.001, 0.5, 1, 1.5, 2, 17.25, 99.999, 100, 1234.5, 65_000, 3.6e6];
      for (let index = 0; index < 200; index++) values.push(Math.exp(random() * 16 - 4));
      const mapping = new DDSketch({ relativeAccuracy: PERCENTILE_RELATIVE_ACCURACY }).mapping;
      // The rollups' own key expression, read back from the trigger function's source.
      const [definition] = await runSql<{ source: string }>(
        `SELECT prosrc AS source FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.proname = 'llmeter_roll_up_events'`,
        [schema],
      );
      const keySql = /CASE WHEN latency_ms <= .*?::int END/.exec(definition!.source)![0];
      const rows = await runSql<{ value: number; key: number }>(
        `SELECT latency_ms AS value, ${keySql} AS key FROM unnest($1::float8[]) AS latency_ms`,
        [values],
      );
      for (const { value, key } of rows) {
        const expected =
          value <= HISTOGRAM_KEY_MAPPING.minPossible
            ? HISTOGRAM_KEY_MAPPING.zeroKey
            : mapping.key(value);
        expect(key, `latency ${value}`).toBe(expected);
      }
    });

    it("backfills the rollups of events stored before the migration", async () => {
      const backfilled = newSchema("rollups_backfill");
      const early = createPostgresStore({ url: TEST_DATABASE_URL, schema: backfilled });
      await early.append(sampleEvents(500, { seed: 3, endMs: END_MS, spanMs: SPAN_MS }));
      await early.close();
      // Back to schema version 2 with the events kept: what a ledger written before rollups holds.
      await runSql(`DROP TABLE ${backfilled}.rollups_hourly, ${backfilled}.rollups_daily;
        DROP TRIGGER events_rollups_insert ON ${backfilled}.events;
        DROP TRIGGER events_rollups_delete ON ${backfilled}.events;
        DROP TRIGGER events_rollups_update ON ${backfilled}.events;
        DROP TRIGGER events_rollups_truncate ON ${backfilled}.events;
        DROP FUNCTION ${backfilled}.llmeter_add_counts, ${backfilled}.llmeter_roll_up_events, ${backfilled}.llmeter_truncate_rollups;
        DELETE FROM ${backfilled}.llmeter_migrations WHERE version = 4;`);
      const migrated = createPostgresStore({ url: TEST_DATABASE_URL, schema: backfilled });
      const events = createPostgresStore({
        url: TEST_DATABASE_URL,
        schema: backfilled,
        useRollups: false,
      });
      const query = {
        filter: { sinceMs: END_MS - SPAN_MS, untilMs: END_MS },
        groupBy: ["model"] as GroupBy[],
        timeZone: "UTC",
      };
      const [fromRollups, fromEvents] = await Promise.all([
        migrated.aggregate(query),
        events.aggregate(query),
      ]);
      expect(fromRollups.totals.totalRequests).toBe(500);
      expectSameResult(fromRollups, fromEvents, "backfilled");
      // The answer really comes from the rollups: a rollup changed behind the store's back shows.
      await runSql(
        `UPDATE ${backfilled}.rollups_daily SET requests = requests + 1000
        WHERE ctid = (SELECT min(ctid) FROM ${backfilled}.rollups_daily
                       WHERE bucket_start >= $1::timestamptz AND bucket_start < $2::timestamptz)`,
        [
          new Date(END_MS - SPAN_MS + DAY_MS).toISOString(),
          new Date(END_MS - DAY_MS).toISOString(),
        ],
      );
      expect((await migrated.aggregate(query)).totals.totalRequests).toBe(1_500);
      expect((await events.aggregate(query)).totals.totalRequests).toBe(500);
      const budgetUrl = new URL(TEST_DATABASE_URL);
      budgetUrl.searchParams.set("schema", backfilled);
      const [budgets, budgetsFromEvents] = await Promise.all([
        openPostgresBudgetLedger({ url: budgetUrl.toString() }),
        openPostgresBudgetLedger({ url: budgetUrl.toString(), useRollups: false }),
      ]);
      const month = resolveBudgetRule({ id: "month", window: "month", limitUsd: 1 });
      const [spend, reference] = await Promise.all([
        budgets.spend(month, END_MS),
        budgetsFromEvents.spend(month, END_MS),
      ]);
      expect(spend.requests - reference.requests).toBe(1_000);
      await Promise.all([budgets.close(), budgetsFromEvents.close()]);
      await Promise.all([migrated.close(), events.close()]);
    });
  });
} else {
  describeMissingDatabase("PostgreSQL rollups");
}
