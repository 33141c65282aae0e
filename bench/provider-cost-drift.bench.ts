// What the provider-cost drift check adds to `llmeter usage show` on SQLite (issue 19 item 2):
// the drift is one SQL query over the period's events (the provider-priced ones' `extra` read with
// json_extract), while the rest of the report answers from rollups. Measured beside the report
// itself, on a ledger where a share of the calls are provider-priced.
// Run: node_modules/.bin/node bench/provider-cost-drift.bench.ts
// (DRIFT_BENCH_EVENTS=1000000 DRIFT_BENCH_SHARE=0.1 for a bigger ledger).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadProviderCostDrift } from "../src/store/provider-cost-drift.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, printTable } from "./measure.ts";

const TOTAL_EVENTS = Number(process.env.DRIFT_BENCH_EVENTS ?? 200_000);
const PROVIDER_PRICED_SHARE = Number(process.env.DRIFT_BENCH_SHARE ?? 0.2);
const DAY_MS = 86_400_000;

const folder = mkdtempSync(join(tmpdir(), "llmeter-drift-bench-"));
const store = createSqliteStore(join(folder, "usage.db"), { checkpointThread: false });
const endMs = Date.parse("2026-11-30T00:00:00.000Z");
const startMs = endMs - 30 * DAY_MS;
const reporting = Math.round(1 / PROVIDER_PRICED_SHARE);
for (let done = 0; done < TOTAL_EVENTS; done += 10_000) {
  const events: UsageEvent[] = [];
  for (let index = done; index < Math.min(TOTAL_EVENTS, done + 10_000); index++) {
    const priced = index % reporting === 0;
    const inputTokens = 200 + ((index * 31) % 4000);
    const outputTokens = 20 + ((index * 17) % 900);
    const estimate = (inputTokens * 3 + outputTokens * 15) / 1e6;
    events.push({
      id: `evt-${index.toString().padStart(8, "0")}`,
      timestamp: new Date(startMs + Math.floor((index / TOTAL_EVENTS) * 30 * DAY_MS)).toISOString(),
      kind: "llm",
      operation: "chat",
      provider: priced ? (index % 2 === 0 ? "xai" : "openrouter") : "openai",
      model: priced ? "grok-3" : "gpt-4o-mini",
      success: true,
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      costUsd: priced ? estimate * 1.08 : estimate / 20,
      priceSource: priced ? "provider" : "catalog",
      ...(priced ? { estimatedCostUsd: estimate } : {}),
    });
  }
  await store.append(events);
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

const filter = { sinceMs: startMs };
const report = await seconds(() =>
  store.aggregate({ filter, groupBy: ["model"], timeZone: "UTC" }),
);
const drift = await seconds(() => loadProviderCostDrift(store, filter));
// The same ledger asked about OpenAI only: no provider there reports costs, so only the rollup
// breakdown by provider is read.
const withoutReporting = await seconds(() =>
  loadProviderCostDrift(store, { ...filter, provider: "openai" }),
);
const providerPriced = Math.round(TOTAL_EVENTS * PROVIDER_PRICED_SHARE);
printTable(
  `usage show on SQLite, ${TOTAL_EVENTS.toLocaleString("en-US")} events over 30 days, ${providerPriced.toLocaleString("en-US")} provider-priced (load ${loadavg()[0]!.toFixed(1)}; median of 5)`,
  [
    { part: "report (rollups, by model)", ms: Number((report * 1000).toFixed(1)) },
    {
      part: "provider-cost drift (providerCostSums)",
      ms: Number((drift * 1000).toFixed(1)),
      "ledger events/s": Math.round(TOTAL_EVENTS / drift),
    },
    {
      part: "provider-cost drift, --provider openai (none reports costs)",
      ms: Number((withoutReporting * 1000).toFixed(1)),
    },
  ],
);
await store.close();
rmSync(folder, { recursive: true, force: true });
