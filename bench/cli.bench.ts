// `llmeter usage show` and friends on a SQLite ledger of 1,000,000 events, start-up included:
// wall time of the built binary as a child process, median of several runs. Target: < 1 s.
// Run: node_modules/.bin/node bench/cli.bench.ts   (LLMETER_BENCH_EVENTS to change the size)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCHEMA_VERSION } from "../src/store/sqlite/schema.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { BINARY, ensureBuilt } from "../test/cli/built-binary.ts";
import { median, printTable } from "./measure.ts";

const EVENT_COUNT = Number(process.env.LLMETER_BENCH_EVENTS ?? 1_000_000);
const RUNS = 5;
const DAY_MS = 86_400_000;
const END_MS = Date.parse("2026-11-22T00:00:00.000Z");
const MODELS: Array<[string, string, number]> = [
  ["openai", "gpt-4o", 0.0000025],
  ["openai", "gpt-4o-mini", 0.00000015],
  ["openai", "text-embedding-3-small", 0.00000002],
  ["anthropic", "claude-sonnet-4-5", 0.000003],
  ["anthropic", "claude-haiku-4-5", 0.000001],
  ["google", "gemini-2.5-flash", 0.0000003],
];

/** A deterministic workload over 90 days: 6 models, 20 tenants, 200 users, 5,000 sessions. */
function syntheticEvent(index: number): UsageEvent {
  const [provider, model, price] = MODELS[index % MODELS.length]!;
  const inputTokens = 200 + ((index * 7919) % 4000);
  const outputTokens = model.startsWith("text-") ? undefined : 50 + ((index * 104_729) % 800);
  const success = index % 50 !== 0;
  return {
    id: `bench-${index}`,
    timestamp: new Date(END_MS - Math.floor((index / EVENT_COUNT) * 90 * DAY_MS)).toISOString(),
    kind: model.startsWith("text-") ? "embedding" : "llm",
    operation: model.startsWith("text-") ? "embeddings" : "chat",
    provider,
    model,
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + (outputTokens ?? 0),
    cacheReadTokens: index % 3 === 0 ? Math.floor(inputTokens / 2) : undefined,
    latencyMs: 100 + ((index * 31) % 3000),
    timeToFirstTokenMs: index % 2 === 0 ? 50 + ((index * 17) % 700) : undefined,
    streaming: index % 2 === 0,
    success,
    errorType: success ? undefined : "rate_limit",
    tenantId: `tenant-${index % 20}`,
    userId: `user-${index % 200}`,
    sessionId: `session-${Math.floor(index / 200)}`,
    costUsd: success ? (inputTokens + (outputTokens ?? 0) * 4) * price : undefined,
    priceSource: success ? "catalog" : undefined,
  };
}

function prepareLedger(path: string): void {
  const marker = `${path}.complete`;
  if (existsSync(marker)) return;
  rmSync(path, { force: true });
  const started = performance.now();
  const store = createSqliteStore(path);
  const batchSize = 10_000;
  for (let start = 0; start < EVENT_COUNT; start += batchSize) {
    const batch: UsageEvent[] = [];
    for (let index = start; index < Math.min(start + batchSize, EVENT_COUNT); index++) {
      const event = syntheticEvent(index);
      // Drop undefined fields as the meter would.
      batch.push(JSON.parse(JSON.stringify(event)) as UsageEvent);
    }
    store.appendSync(batch);
  }
  void store.close();
  mkdirSync(marker);
  console.log(
    `seeded ${EVENT_COUNT.toLocaleString("en-US")} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function wallTimeMs(args: string[]): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [BINARY, ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, TZ: "UTC", NO_COLOR: "1" },
    });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`llmeter ${args.join(" ")} failed:\n${result.stderr}`);
  }
  return median(times);
}

ensureBuilt();
const directory = join(tmpdir(), "llmeter-bench-cli");
mkdirSync(directory, { recursive: true });
// The schema version is in the name: a ledger seeded by an older schema is not reused.
const ledger = join(directory, `usage-${EVENT_COUNT}-v${SCHEMA_VERSION}.db`);
prepareLedger(ledger);

const db = ["--db", ledger, "--tz", "UTC"];
const commands: Array<[string, string[]]> = [
  ["llmeter --version (start-up, every command loaded)", ["--version"]],
  ["usage show --help (start-up of usage commands)", ["usage", "show", "--help"]],
  ["usage show (all time, by model)", ["usage", "show", ...db]],
  ["usage show --json", ["usage", "show", "--json", ...db]],
  ["usage show --period 24h", ["usage", "show", "--period", "24h", ...db]],
  [
    "usage show --by tenant --tenant tenant-3",
    ["usage", "show", "--by", "tenant", "--tenant", "tenant-3", ...db],
  ],
  ["report daily (90 days)", ["report", "daily", ...db]],
  ["usage list", ["usage", "list", ...db]],
];
/** The store's own time for the query `usage show` makes, in-process: what the CLI cannot avoid. */
async function storeAggregateMs(): Promise<number> {
  const store = createSqliteStore(ledger);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await store.aggregate({ filter: {}, groupBy: ["model"], timeZone: "UTC" });
    times.push(performance.now() - started);
  }
  await store.close();
  return median(times);
}

const aggregateMs = await storeAggregateMs();
printTable(
  `llmeter CLI on ${EVENT_COUNT.toLocaleString("en-US")} events, median of ${RUNS} runs (target < 1,000 ms)`,
  commands.map(([name, args]) => {
    const ms = wallTimeMs(args);
    return { command: name, "wall ms": Math.round(ms), "under 1 s": ms < 1000 ? "yes" : "NO" };
  }),
);
printTable("The ledger's share: SqliteStore.aggregate({ groupBy: [model] }) in-process, no CLI", [
  { query: "all time, by model", ms: Math.round(aggregateMs) },
]);
