import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../src/budgets/budget-exceeded-error.ts";
import { createLedgerBudgetsSource } from "../../src/budgets/ledger-budgets-source.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runInProcess } from "../cli/cli-harness.ts";

let folder: string;
let ledger: string;
let store: SqliteStore;
const NOW = Date.parse("2026-11-22T12:00:00.000Z");

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "llmeter-budget-cli-"));
  ledger = join(folder, "usage.db");
  store = createSqliteStore(ledger);
});
afterEach(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

const cli = (argv: string[]) =>
  runInProcess([...argv, "--db", ledger], { store, cwd: folder, nowMs: NOW });

function event(costUsd: number, iso: string, tenantId = "acme") {
  return {
    id: `e-${Math.random()}`,
    timestamp: iso,
    kind: "llm" as const,
    operation: "chat",
    success: true,
    provider: "openai",
    model: "gpt-4o",
    tenantId,
    costUsd,
    inputTokens: 100,
    outputTokens: 50,
    totalTokens: 150,
  };
}

describe("llmeter budget", () => {
  it("sets, lists, checks and removes rules kept in the ledger", async () => {
    expect(
      (
        await cli([
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
          "10",
          "--enforce",
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await cli([
          "budget",
          "set",
          "all-week",
          "--window",
          "week",
          "--tz",
          "UTC",
          "--limit-usd",
          "100",
          "--thresholds",
          "50,100",
        ])
      ).code,
    ).toBe(0);
    await store.append([
      event(8, "2026-11-22T03:00:00.000Z"),
      event(1, "2026-11-22T04:00:00.000Z", "globex"),
      event(50, "2026-11-21T10:00:00.000Z"), // the day before: counts in the week only
    ]);
    const list = JSON.parse((await cli(["budget", "list", "--json"])).stdout);
    expect(list.schemaVersion).toBe(1);
    expect(
      list.budgets.map((rule: { id: string; source: string }) => [rule.id, rule.source]),
    ).toEqual([
      ["acme-day", "ledger"],
      ["all-week", "ledger"],
    ]);
    const check = JSON.parse((await cli(["budget", "check", "--json"])).stdout);
    const [acme, week] = check.budgets;
    expect(acme).toMatchObject({
      id: "acme-day",
      windowKey: "2026-11-22",
      spentUsd: 8,
      remainingUsd: 2,
      state: "warning",
      requests: 1,
    });
    // 8 USD in the first 12 hours of the day: 16 at this rate by midnight.
    expect(acme.projectedUsd).toBeCloseTo(16, 6);
    expect(week).toMatchObject({
      id: "all-week",
      windowKey: "2026-11-16",
      spentUsd: 59,
      state: "warning",
    });
    const text = (await cli(["budget", "check"])).stdout;
    expect(text).toContain("acme-day");
    expect(text).toContain("warning");
    expect((await cli(["budget", "remove", "all-week"])).code).toBe(0);
    const removedAgain = await cli(["budget", "remove", "all-week"]);
    expect(removedAgain.code).toBe(1);
    expect(removedAgain.stderr).toContain('No budget "all-week"');
  });

  it("refuses a bad rule with a clear message and saves nothing", async () => {
    const result = await cli(["budget", "set", "x", "--window", "fortnight", "--limit-usd", "5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('window must be "day", "week", "month"');
    const noLimit = await cli(["budget", "set", "x", "--window", "day"]);
    expect(noLimit.stderr).toContain("needs a limit");
    expect(JSON.parse((await cli(["budget", "list", "--json"])).stdout).budgets).toEqual([]);
  });

  it("a meter on the ledger enforces a rule set by the CLI", async () => {
    await cli([
      "budget",
      "set",
      "tiny",
      "--window",
      "day",
      "--tz",
      "UTC",
      "--limit-usd",
      "0.01",
      "--enforce",
    ]);
    const meter = createMeter({
      ledger,
      pricing: false,
      diagnostics: () => {},
      configContext: { env: {}, cwd: folder },
    });
    try {
      let ran = 0;
      const first = await meter.track(
        { provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.006 } },
        async (tracker) => {
          ran += 1;
          tracker.setCost(0.006);
          return "ok";
        },
      );
      expect(first).toBe("ok");
      let caught: unknown;
      try {
        meter.track({ provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.006 } }, () => {
          ran += 1;
        });
      } catch (error) {
        caught = error;
      }
      expect(ran).toBe(1);
      expect(BudgetExceededError.isInstance(caught)).toBe(true);
      expect(caught).toMatchObject({
        budgetId: "tiny",
        scope: "all calls",
        window: "day",
        limit: 0.01,
        limitKind: "usd",
        estimate: 0.006,
      });
      // The first call is counted whether its event reached the ledger yet (spent) or not (reserved).
      const { spent, reserved } = caught as BudgetExceededError;
      expect(spent + reserved).toBeCloseTo(0.006, 9);
      expect((caught as Error).message).toContain("The call was not sent");
      // A failing call releases its reservation: the room comes back.
      await expect(
        meter.track(
          { provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.003 } },
          async () => {
            throw new Error("provider down");
          },
        ),
      ).rejects.toThrow("provider down");
      await meter.flush(); // settling happens off the caller's path
      expect(meter.budgets?.activeReservations()).toBe(0);
      await meter.track(
        { provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.003 } },
        (tracker) => tracker.setCost(0.003),
      );
      await meter.flush();
      const [status] = meter.budgets?.status() ?? [];
      expect(status?.spentUsd).toBeCloseTo(0.009, 9);
      expect(status?.state).toBe("critical");
    } finally {
      await meter.shutdown();
    }
  });

  it("feeds the dashboard's budgets panel from the ledger", async () => {
    await cli([
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
      "10",
    ]);
    await store.append([event(12, "2026-11-22T03:00:00.000Z")]);
    const rows = await createLedgerBudgetsSource(ledger, { now: () => NOW })();
    expect(rows).toEqual([
      {
        name: "acme-day",
        scope: "tenant acme",
        limitUsd: 10,
        spentUsd: 12,
        state: "exceeded",
        windowEndsAt: "2026-11-23T00:00:00.000Z",
        projectedUsd: 24,
      },
    ]);
  });
});
