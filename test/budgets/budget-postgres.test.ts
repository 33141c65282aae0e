import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetAlert } from "../../src/budgets/budget-alerts.ts";
import { BudgetExceededError } from "../../src/budgets/budget-exceeded-error.ts";
import { resolveBudgetRules } from "../../src/budgets/budget-ledger.ts";
import { openPostgresBudgetLedger } from "../../src/budgets/postgres/postgres-budget-ledger.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "../store-postgres/test-database.ts";
import { expectBudgetKept, runBudgetBurst } from "./fixtures/burst-scenario.ts";

const newSchema = schemasDroppedAfterAll();

/** The test database's URL with `?schema=` set to a fresh schema of this file. */
function freshLedgerUrl(prefix: string): { url: string; schema: string } {
  const schema = newSchema(prefix);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return { url: url.toString(), schema };
}

function event(id: string, costUsd: number, timestamp = new Date().toISOString()) {
  return {
    id,
    timestamp,
    kind: "llm" as const,
    operation: "chat",
    success: true,
    provider: "openai",
    model: "gpt-4o",
    tenantId: "acme",
    costUsd,
    inputTokens: 100,
    outputTokens: 50,
    totalTokens: 150,
  };
}

const quiet = () => {};
const noConfig = { env: {}, cwd: tmpdir() };

if (await testDatabaseAvailable()) {
  describe("budgets on a PostgreSQL ledger", () => {
    let mock: MockProvider;
    beforeAll(async () => {
      mock = await startMockProvider();
    });
    afterAll(() => mock.close());

    it("creates the budget tables with migration 2 of the store's schema (4 adds the rollups)", async () => {
      const { url, schema } = freshLedgerUrl("bmig");
      const store = createPostgresStore({ url });
      // Migration 2 made them; later migrations (3: virtual keys, 4: rollups) add tables beside them.
      expect((await store.ready()).schemaVersion).toBeGreaterThanOrEqual(2);
      await store.close();
      const tables = await runSql<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(tables.map((row) => row.name)).toEqual(
        expect.arrayContaining([
          "budget_alerts",
          "budget_reservations",
          "budget_rules",
          "events",
          "llmeter_migrations",
          "rollups_daily",
          "rollups_hourly",
        ]),
      );
    });

    it("refuses a track() over an enforced budget before its callback runs, and settles the rest", async () => {
      const { url } = freshLedgerUrl("btrack");
      const meter = createMeter({
        ledger: url,
        diagnostics: quiet,
        configContext: noConfig,
        pricing: false,
        // Rolling: the test cannot straddle a day boundary.
        budgets: [{ id: "cap", window: "24h", limitUsd: 1, enforce: true }],
      });
      let ran = 0;
      const call = () =>
        meter.track(
          { provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.4 } },
          async (tracker) => {
            ran += 1;
            tracker.setTokens({ inputTokens: 10, outputTokens: 5 });
            tracker.setCost(0.4);
          },
        );
      await call();
      await call();
      // 0.8 spent + 0.4 would pass 1: refused before the callback, as a rejection (it is async).
      await expect(call()).rejects.toSatisfy(BudgetExceededError.isInstance);
      expect(ran).toBe(2);
      await meter.flush();
      expect(meter.budgets?.activeReservations()).toBe(0);
      const [status] = meter.budgets?.status() ?? [];
      expect(status?.spentUsd).toBeCloseTo(0.8, 9);
      expect(status?.state).toBe("warning");
      // A discarded start() frees its reservation at once.
      const handle = meter.start({
        provider: "openai",
        model: "gpt-4o",
        estimate: { costUsd: 0.1 },
      });
      expect(meter.budgets?.activeReservations()).toBe(1);
      handle.discard?.();
      expect(meter.budgets?.activeReservations()).toBe(0);
      await meter.shutdown();
    });

    it("fires each threshold once per window across meters sharing the ledger", async () => {
      const { url } = freshLedgerUrl("balert");
      const store = createPostgresStore({ url });
      const nowMs = Date.parse("2026-11-22T12:00:00.000Z");
      const at = "2026-11-22T09:00:00.000Z";
      await store.append([event("a1", 7.6, at)]);
      const rule = {
        id: "acme-day",
        scope: { tenantId: "acme" },
        window: "day",
        timeZone: "UTC",
        limitUsd: 10,
      };
      const alerts: BudgetAlert[] = [];
      const meters = [0, 1].map(() =>
        createMeter({
          store,
          diagnostics: quiet,
          configContext: noConfig,
          now: () => nowMs,
          budgets: { rules: [rule], onAlert: (alert) => void alerts.push(alert) },
        }),
      );
      await Promise.all(meters.map((meter) => meter.budgets?.checkAlerts()));
      expect(alerts.map((alert) => alert.threshold)).toEqual([75]);
      await store.append([event("a2", 2.5, at)]);
      await Promise.all(meters.map((meter) => meter.budgets?.checkAlerts()));
      await Promise.all(meters.map((meter) => meter.budgets?.checkAlerts()));
      expect(alerts.map((alert) => alert.threshold).sort((a, b) => a - b)).toEqual([75, 90, 100]);
      expect(alerts.find((alert) => alert.threshold === 100)?.state).toBe("exceeded");
      // The de-duplication key is a row per (rule, window, threshold) in PostgreSQL.
      const rows = await runSql<{ count: number }>(
        `SELECT count(*)::int AS count FROM ${new URL(url).searchParams.get("schema")}.budget_alerts`,
      );
      expect(rows[0]?.count).toBe(3);
      for (const meter of meters) await meter.shutdown();
      await store.close();
    });

    it("sets and checks budgets with llmeter budget --db postgres://", async () => {
      const { url } = freshLedgerUrl("bcli");
      const store = createPostgresStore({ url });
      const nowMs = Date.parse("2026-11-22T12:00:00.000Z");
      await store.append([event("c1", 4, "2026-11-22T08:00:00.000Z")]);
      const folder = mkdtempSync(join(tmpdir(), "llmeter-pg-budget-cli-"));
      const cli = (argv: string[]) =>
        runInProcess([...argv, "--db", url], { store, cwd: folder, nowMs });
      try {
        const set = await cli([
          "budget",
          "set",
          "acme-day",
          "--tenant",
          "acme",
          "--window",
          "day",
          "--tz",
          "UTC",
          "--limit-usd",
          "5",
          "--enforce",
        ]);
        expect(set.stderr).toBe("");
        expect(set.code).toBe(0);
        const check = await cli(["budget", "check", "--json"]);
        expect(check.code).toBe(0);
        const report = JSON.parse(check.stdout) as {
          schemaVersion: number;
          budgets: Array<{ id: string; spentUsd: number; remainingUsd: number; state: string }>;
        };
        expect(report.schemaVersion).toBe(1);
        expect(report.budgets).toHaveLength(1);
        expect(report.budgets[0]).toMatchObject({
          id: "acme-day",
          spentUsd: 4,
          remainingUsd: 1,
          state: "warning",
        });
        // The rule is in PostgreSQL: a meter with budgets enabled applies it.
        const meter = createMeter({
          store,
          diagnostics: quiet,
          configContext: noConfig,
          budgets: [],
          now: () => nowMs,
        });
        expect(meter.budgets?.status().map((status) => status.id)).toEqual(["acme-day"]);
        expect(() =>
          meter.track(
            { provider: "openai", model: "gpt-4o", tenantId: "acme", estimate: { costUsd: 2 } },
            () => {},
          ),
        ).toThrow(BudgetExceededError);
        await meter.shutdown();
        const removed = await cli(["budget", "remove", "acme-day"]);
        expect(removed.code).toBe(0);
        expect(JSON.parse((await cli(["budget", "list", "--json"])).stdout).budgets).toEqual([]);
      } finally {
        rmSync(folder, { recursive: true, force: true });
        await store.close();
      }
    });

    it("lets exactly the reservations that fit through when many connections reserve at once", async () => {
      const { url } = freshLedgerUrl("brace");
      // Four ledgers (four pools of four connections) race 100 reservations at $1 for a $10 budget.
      const ledgers = await Promise.all([0, 1, 2, 3].map(() => openPostgresBudgetLedger({ url })));
      const [rule] = resolveBudgetRules(
        [{ id: "ten", window: "day", timeZone: "UTC", limitUsd: 10, enforce: true }],
        {},
        "test",
      );
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, index) =>
          ledgers[index % 4]!.reserve({
            rules: [rule!],
            eventId: `race-${index}`,
            costUsd: 1,
            tokens: 0,
            nowMs: Date.now(),
          }),
        ),
      );
      const refused = outcomes.filter(
        (outcome) =>
          outcome.status === "rejected" && BudgetExceededError.isInstance(outcome.reason),
      );
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(10);
      expect(refused).toHaveLength(90);
      expect(await ledgers[0]!.activeReservations(Date.now())).toBe(10);
      await Promise.all(ledgers.map((ledger) => ledger.close()));
    });

    it("never overspends under a burst from 4 processes, rejects before sending, leaks nothing", async () => {
      const { url } = freshLedgerUrl("bburst");
      const burst = await runBudgetBurst(mock, url);

      const store = createPostgresStore({ url });
      const events: Array<{ costUsd?: number; success: boolean }> = [];
      for await (const stored of store.events()) events.push(stored);
      await store.close();
      expectBudgetKept(burst, events);

      const ledger = await openPostgresBudgetLedger({ url });
      try {
        expect(await ledger.activeReservations(Date.now())).toBe(0);
      } finally {
        await ledger.close();
      }
    }, 120_000);
  });
} else {
  describeMissingDatabase("budgets on a PostgreSQL ledger");
}
