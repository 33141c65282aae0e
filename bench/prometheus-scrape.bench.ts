// What a Prometheus scrape of llmeter/prometheus costs with budget gauges: each scrape reads every
// budget's spend from the SQLite ledger once (docs/decisions/0065). Scrape time with 0, 1, 10 and
// 50 budgets (half global, half per tenant) over a ledger holding EVENTS events in the window.
// Run: node_modules/.bin/node bench/prometheus-scrape.bench.ts (SCRAPE_BENCH_EVENTS=20000 for a quicker run).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BudgetRule } from "../src/budgets/budget-rule.ts";
import { createMeter } from "../src/meter/create-meter.ts";
import type { Meter } from "../src/meter/types.ts";
import { createPrometheusExporter } from "../src/prometheus/prometheus-exporter.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, printTable } from "./measure.ts";

const EVENTS = Number(process.env.SCRAPE_BENCH_EVENTS ?? 100_000);
const folder = mkdtempSync(join(tmpdir(), "llmeter-scrape-bench-"));
const ledger = join(folder, "ledger.db");

function fillLedger(): void {
  const store = createSqliteStore(ledger);
  const nowMs = Date.now();
  const batch: UsageEvent[] = [];
  for (let index = 0; index < EVENTS; index++) {
    batch.push({
      id: `e-${index}`,
      // Spread over the last 20 hours: inside every rule's 24 h window.
      timestamp: new Date(nowMs - (index % 72_000) * 1000).toISOString(),
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
  void store.close();
}

function rules(count: number): BudgetRule[] {
  return Array.from({ length: count }, (_, index) =>
    index % 2 === 0
      ? { id: `global-${index}`, window: { rolling: "24h" }, limitUsd: 100 + index }
      : {
          id: `tenant-${index}`,
          scope: { tenantId: `tenant-${index % 20}` },
          window: { rolling: "24h" },
          limitUsd: 10,
        },
  );
}

async function scrapeMs(budgetCount: number): Promise<number> {
  let meter: Meter | undefined;
  const exporter = createPrometheusExporter({ budgets: () => meter?.budgets?.status() });
  meter = createMeter({
    ledger,
    sinks: [exporter.sink],
    diagnostics: () => {},
    configContext: { env: {}, cwd: folder },
    budgets: { rules: rules(budgetCount), ledgerRules: false },
  });
  const samples: number[] = [];
  for (let run = 0; run < 9; run++) {
    const start = performance.now();
    await exporter.metrics();
    samples.push(performance.now() - start);
  }
  await meter.shutdown();
  return median(samples);
}

try {
  fillLedger();
  const rows = [];
  for (const count of [0, 1, 10, 50])
    rows.push({ budgets: count, "ms per scrape": (await scrapeMs(count)).toFixed(2) });
  printTable(
    `registry.metrics() with budget gauges, ${EVENTS} events in the window (median of 9)`,
    rows,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
