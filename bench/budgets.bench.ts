// Budgets' speed: what an enforced budget adds to each tracked call (the atomic reservation in the
// SQLite ledger, on the caller's path) and what a spend query costs as the window fills up.
// Run: node_modules/.bin/node bench/budgets.bench.ts (BUDGET_BENCH_EVENTS=100000 for a quicker run).
// Each figure is the median of several runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBudgetLedger } from "../src/budgets/budget-ledger.ts";
import { resolveBudgetRule } from "../src/budgets/budget-rule.ts";
import { createMeter } from "../src/meter/create-meter.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, nanosecondsPerCall, printTable } from "./measure.ts";

const EVENTS = Number(process.env.BUDGET_BENCH_EVENTS ?? 500_000);
const folder = mkdtempSync(join(tmpdir(), "llmeter-budget-bench-"));
const info = {
  provider: "openai",
  model: "gpt-4o-mini",
  estimate: { inputTokens: 500, maxOutputTokens: 200 },
};

async function trackCost(budgets: boolean, enforce: boolean): Promise<number> {
  const ledger = join(folder, `track-${budgets}-${enforce}.db`);
  const meter = createMeter({
    ledger,
    diagnostics: () => {},
    configContext: { env: {}, cwd: folder },
    ...(budgets ? { budgets: [{ window: "day", limitUsd: 1e9, enforce }] } : {}),
  });
  const result = await nanosecondsPerCall(
    () =>
      meter.track(info, (tracker) => tracker.setTokens({ inputTokens: 480, outputTokens: 150 })),
    { iterations: 5_000, runs: 5, batch: 500 },
  );
  await meter.shutdown();
  return result;
}

function spendQueryMs(count: number): { ms: number; scopedMs: number } {
  const ledger = join(folder, `spend-${count}.db`);
  const store = createSqliteStore(ledger);
  const nowMs = Date.now();
  const dayStart = nowMs - (nowMs % 86_400_000);
  const batch: UsageEvent[] = [];
  for (let index = 0; index < count; index++) {
    batch.push({
      id: `e-${index}`,
      timestamp: new Date(dayStart + (index % 3_600_000)).toISOString(),
      kind: "llm",
      operation: "chat",
      success: true,
      provider: "openai",
      model: "gpt-4o-mini",
      tenantId: `tenant-${index % 20}`,
      inputTokens: 500,
      outputTokens: 150,
      costUsd: 0.0002,
    });
    if (batch.length === 10_000) store.appendSync(batch.splice(0));
  }
  store.appendSync(batch);
  const budgets = openBudgetLedger(ledger);
  const global = resolveBudgetRule({ window: "day", timeZone: "UTC", limitUsd: 100 });
  const tenant = resolveBudgetRule({
    scope: { tenantId: "tenant-3" },
    window: "day",
    timeZone: "UTC",
    limitUsd: 100,
  });
  const time = (rule: typeof global) => {
    const samples: number[] = [];
    for (let run = 0; run < 7; run++) {
      const start = performance.now();
      budgets.spend(rule, nowMs);
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  const result = { ms: time(global), scopedMs: time(tenant) };
  budgets.close();
  void store.close();
  return result;
}

try {
  const none = await trackCost(false, false);
  const alertsOnly = await trackCost(true, false);
  const enforced = await trackCost(true, true);
  printTable("meter.track() on the caller's path (SQLite ledger), per call", [
    { setup: "no budgets", "µs/call": (none / 1000).toFixed(1) },
    { setup: "alert-only budget", "µs/call": (alertsOnly / 1000).toFixed(1) },
    {
      setup: "enforced budget (reserve in BEGIN IMMEDIATE)",
      "µs/call": (enforced / 1000).toFixed(1),
    },
  ]);
  const rows = [];
  for (const count of [10_000, 100_000, EVENTS]) {
    const { ms, scopedMs } = spendQueryMs(count);
    rows.push({
      "events in window": count,
      "global spend ms": ms.toFixed(2),
      "tenant spend ms": scopedMs.toFixed(2),
    });
  }
  printTable("Spend of one rule in its window (each enforced call runs this once per rule)", rows);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
