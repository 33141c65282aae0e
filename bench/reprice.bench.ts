// `llmeter reprice` on SQLite: events repriced per second over a ledger of unpriced events (issue
// 19 item 4; target >= 100,000 events/s at 1,000,000 events). Measures the whole pass the command
// makes: read in keyset pages, price each event, write changed costs in 5,000-event transactions
// with the rollups of the touched hours rebuilt. Also a second pass (nothing changes: read and
// price only) and a dry run.
// Run: node_modules/.bin/node bench/reprice.bench.ts (REPRICE_BENCH_EVENTS=200000 for a quicker run).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createPriceBook } from "../src/pricing/price-book.ts";
import { repriceLedger } from "../src/store/reprice-ledger.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { printTable } from "./measure.ts";

const TOTAL_EVENTS = Number(process.env.REPRICE_BENCH_EVENTS ?? 1_000_000);
const DAY_MS = 86_400_000;
const MODELS = [
  ["openai", "gpt-4o"],
  ["openai", "gpt-4o-mini"],
  ["anthropic", "claude-sonnet-4-5"],
  ["google", "gemini-2.5-flash"],
  ["mistral", "mistral-small-latest"],
] as const;

const folder = mkdtempSync(join(tmpdir(), "llmeter-reprice-bench-"));
// Opened as `llmeter reprice` opens it: with the WAL checkpoint thread (wal-checkpointer.ts).
const store = createSqliteStore(join(folder, "usage.db"));
const endMs = Date.parse("2026-11-30T00:00:00.000Z");
const startMs = endMs - 30 * DAY_MS;
const BATCH = 10_000;
for (let done = 0; done < TOTAL_EVENTS; done += BATCH) {
  const events: UsageEvent[] = [];
  for (let index = done; index < Math.min(TOTAL_EVENTS, done + BATCH); index++) {
    const ms = startMs + Math.floor((index / TOTAL_EVENTS) * 30 * DAY_MS);
    const [provider, model] = MODELS[(index * 7919) % MODELS.length]!;
    const inputTokens = 200 + ((index * 31) % 4000);
    const outputTokens = 20 + ((index * 17) % 900);
    events.push({
      id: `evt-${index.toString().padStart(8, "0")}`,
      timestamp: new Date(ms).toISOString(),
      kind: "llm",
      operation: "chat",
      provider,
      model,
      success: true,
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      tenantId: `tenant-${(index * 13) % 20}`,
    });
  }
  await store.append(events);
}

const book = createPriceBook({ diagnostics: () => {} });
const rows: Array<Record<string, string | number>> = [];
for (const [name, dryRun] of [
  ["dry run (read, price)", true],
  ["reprice (read, price, write)", false],
  ["second run (nothing to write)", false],
] as const) {
  const start = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const summary = await repriceLedger(store, {
    filter: {},
    book,
    dryRun,
    repricedAt: new Date().toISOString(),
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // CPU time too: on a busy machine the wall clock measures the neighbours, the CPU time this work.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  rows.push({
    pass: name,
    events: summary.events,
    written: dryRun ? 0 : summary.repriced,
    seconds: Number(seconds.toFixed(2)),
    "events/s": Math.round(summary.events / seconds),
    "CPU seconds": Number(cpuSeconds.toFixed(2)),
    "events per CPU second": Math.round(summary.events / cpuSeconds),
  });
}
printTable(
  `reprice on SQLite, ${TOTAL_EVENTS.toLocaleString("en-US")} events over 30 days (load ${loadavg()[0]!.toFixed(1)}; target >= 100,000 events/s)`,
  rows,
);
await store.close();
rmSync(folder, { recursive: true, force: true });
