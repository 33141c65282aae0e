// `llmeter budget check` and the dashboard's budgets panel carry each budget's forecast: the
// projected spend at the end of its window and of the month, with a range, from daily spend.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLedgerBudgetsSource } from "../../src/budgets/ledger-budgets-source.ts";
import type { ProjectedTotal } from "../../src/forecast/ledger-spend-forecast.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import { spendEvent } from "./spend-event.ts";

/** What the assertions read of one `budget check --json` entry. */
interface CheckedBudget {
  spentUsd: number;
  forecast?: { windowEnd?: ProjectedTotal; monthEnd: ProjectedTotal };
  forecastGap?: string;
}

const NOW = Date.parse("2026-11-22T12:00:00.000Z");
let folder: string;
let ledger: string;
let store: SqliteStore;

const cli = (argv: string[]) =>
  runInProcess([...argv, "--db", ledger], {
    store,
    cwd: folder,
    nowMs: NOW,
    env: { NO_COLOR: "1" },
  });

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "llmeter-budget-forecast-"));
  ledger = join(folder, "usage.db");
  store = createSqliteStore(ledger);
  // November 1–22 (today's call at 10:00 is in): acme a flat $10 a day, beta $1 a day.
  const events: UsageEvent[] = [];
  for (let date = 1; date <= 22; date++) {
    const day = `2026-11-${String(date).padStart(2, "0")}`;
    events.push(
      spendEvent(`acme-${day}`, `${day}T10:00:00.000Z`, "acme", 10),
      spendEvent(`beta-${day}`, `${day}T10:00:00.000Z`, "beta", 1),
    );
  }
  await store.append(events);
});
afterEach(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

const set = (id: string, ...flags: string[]) =>
  cli(["budget", "set", id, "--tz", "UTC", ...flags]).then((result) => {
    expect(result.code, result.stderr).toBe(0);
  });

describe("budget forecasts", () => {
  it("projects each budget's window end and month end from its own scope's daily spend", async () => {
    await set("acme-month", "--tenant", "acme", "--window", "month", "--limit-usd", "280");
    await set("acme-week", "--tenant", "acme", "--window", "week", "--limit-usd", "1000");
    await set("beta-rolling", "--tenant", "beta", "--window", "7d", "--limit-usd", "100");
    await set("feature", "--attribute", "feature=chat", "--window", "day", "--limit-usd", "5");
    const check = JSON.parse((await cli(["budget", "check", "--json"])).stdout);
    const byId = new Map(check.budgets.map((entry: { id: string }) => [entry.id, entry]));
    const month = byId.get("acme-month") as CheckedBudget;
    // $220 spent; 8 more days at $10 make $300, past the $280 limit on the 28th.
    expect(month.spentUsd).toBeCloseTo(220, 6);
    expect(month.forecast?.windowEnd?.at).toBe("2026-11-30");
    expect(month.forecast?.windowEnd?.projectedUsd).toBeCloseTo(300, 0);
    expect(month.forecast?.windowEnd?.reachesLimitOn).toBe("2026-11-28");
    expect(month.forecast?.monthEnd.reachesLimitOn).toBe("2026-11-28");
    expect(month.forecast?.windowEnd?.lowUsd).toBeLessThanOrEqual(300.5);
    expect(month.forecast?.windowEnd?.highUsd).toBeGreaterThanOrEqual(299.5);
    // The week (Monday 16th to Sunday 22nd UTC) ends tonight: $70 spent, nothing left to spend.
    const week = byId.get("acme-week") as CheckedBudget;
    expect(week.forecast?.windowEnd?.at).toBe("2026-11-22");
    expect(week.forecast?.windowEnd?.spentUsd).toBeCloseTo(70, 6);
    expect(week.forecast?.windowEnd?.projectedUsd).toBeCloseTo(70, 0);
    expect(week.forecast?.windowEnd?.reachesLimitOn).toBeUndefined();
    // A rolling window has no end: the month end of beta's spend only ($1 a day).
    const rolling = byId.get("beta-rolling") as CheckedBudget;
    expect(rolling.forecast?.windowEnd).toBeUndefined();
    expect(rolling.forecast?.monthEnd.projectedUsd).toBeCloseTo(30, 0);
    // Attribute scopes are not in the daily rollups: no forecast, and why.
    const feature = byId.get("feature") as CheckedBudget;
    expect(feature.forecast).toBeUndefined();
    expect(feature.forecastGap).toContain("attribute scopes");

    const text = (await cli(["budget", "check"])).stdout;
    const monthLine = text.split("\n").find((line) => line.includes("acme-month")) ?? "";
    expect(monthLine).toContain("on track to exceed by 2026-11-28");
    expect(monthLine).toMatch(/\$300\.\d\d/);
    expect(text).toContain("80 % range");
  });

  it("feeds each budget's forecast to the dashboard's budgets panel", async () => {
    await set("acme-month", "--tenant", "acme", "--window", "month", "--limit-usd", "280");
    await set("beta-rolling", "--tenant", "beta", "--window", "7d", "--limit-usd", "100");
    const rows = await createLedgerBudgetsSource(ledger, { now: () => NOW, store })();
    const month = rows.find((row) => row.name === "acme-month");
    expect(month?.forecast).toMatchObject({
      end: "window",
      at: "2026-11-30",
      reachesLimitOn: "2026-11-28",
    });
    expect(month?.forecast?.projectedUsd).toBeCloseTo(300, 0);
    const rolling = rows.find((row) => row.name === "beta-rolling");
    expect(rolling?.forecast?.end).toBe("month");
    expect(rolling?.forecast?.projectedUsd).toBeCloseTo(30, 0);
    // Without the store there is nothing to forecast from.
    const plain = await createLedgerBudgetsSource(ledger, { now: () => NOW })();
    expect(plain.every((row) => row.forecast === undefined)).toBe(true);
  });
});
