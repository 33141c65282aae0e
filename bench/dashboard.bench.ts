// The dashboard over a SQLite ledger of 1,000,000 events: the JSON API in-process, and the page in
// headless Chromium (time from navigation to data shown, and to every panel filled). Median of
// several runs. Target: data shown in < 1 s.
// The server runs in a worker thread, as `llmeter serve` runs in its own process: the ledger's
// synchronous SQLite reads (the slow user and session panels) must not stall the Playwright
// client that watches the page, or the timer would count the server's later work as page time.
// Run: node_modules/.bin/node bench/dashboard.bench.ts   (LLMETER_BENCH_EVENTS to change the size)
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { chromium } from "playwright-core";
import { startDashboardServer } from "../src/dashboard/dashboard-server.ts";
import { SCHEMA_VERSION } from "../src/store/sqlite/schema.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, printTable } from "./measure.ts";

/** The page's globals this script reads inside Chromium (the project's lib has no DOM). */
declare const document: {
  body: { dataset: Record<string, string | undefined> } | null;
};
declare const performance: { now(): number };
declare const window: { llmeterDataShownAt?: number };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: Record<string, unknown>): void;
  disconnect(): void;
}

const EVENT_COUNT = Number(process.env.LLMETER_BENCH_EVENTS ?? 1_000_000);
const RUNS = 5;
const DAY_MS = 86_400_000;
const END_MS = Date.parse("2026-11-22T00:00:00.000Z");
const CHROMIUM = process.env.LLMETER_TEST_CHROMIUM ?? "/usr/bin/chromium";
const MODELS: Array<[string, string, number | undefined]> = [
  ["openai", "gpt-4o", 0.0000025],
  ["openai", "gpt-4o-mini", 0.00000015],
  ["openai", "text-embedding-3-small", 0.00000002],
  ["anthropic", "claude-sonnet-4-5", 0.000003],
  ["anthropic", "claude-haiku-4-5", 0.000001],
  ["google", "gemini-2.5-flash", 0.0000003],
  ["mistral", "in-house-model", undefined],
];

/** A deterministic workload over 90 days: 7 models (one unpriced), 20 tenants, 200 users, 5,000 sessions. */
function syntheticEvent(index: number): UsageEvent {
  const [provider, model, price] = MODELS[index % MODELS.length]!;
  const embedding = model.startsWith("text-");
  const inputTokens = 200 + ((index * 7919) % 4000);
  const outputTokens = embedding ? 0 : 50 + ((index * 104_729) % 800);
  const success = index % 50 !== 0;
  const event: UsageEvent = {
    id: `dashboard-bench-${index}`,
    timestamp: new Date(END_MS - Math.floor((index / EVENT_COUNT) * 90 * DAY_MS)).toISOString(),
    kind: embedding ? "embedding" : "llm",
    operation: embedding ? "embeddings" : "chat",
    provider,
    model,
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    latencyMs: 100 + ((index * 31) % 3000),
    streaming: index % 2 === 0,
    success,
    tenantId: `tenant-${index % 20}`,
    userId: `user-${index % 200}`,
    sessionId: `session-${Math.floor(index / 200)}`,
  };
  if (index % 3 === 0) event.cacheReadTokens = Math.floor(inputTokens / 2);
  if (index % 2 === 0) event.timeToFirstTokenMs = 50 + ((index * 17) % 700);
  if (!success) event.errorType = "rate_limit";
  if (success && price !== undefined) event.costUsd = (inputTokens + outputTokens * 4) * price;
  return event;
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
    for (let index = start; index < Math.min(start + batchSize, EVENT_COUNT); index++)
      batch.push(syntheticEvent(index));
    store.appendSync(batch);
  }
  void store.close();
  mkdirSync(marker);
  console.log(
    `seeded ${EVENT_COUNT.toLocaleString("en-US")} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Median of `runs` timed runs after one warm-up (first-query compilation, page cache). */
async function medianMs(work: () => Promise<unknown>, runs = RUNS): Promise<number> {
  await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

// All-time views read every rollup of 90 days (seconds on this ledger): fewer runs for them.
const SLOW_RUNS = 2;

/** The worker's side: serve the ledger, say where, and stop when asked. */
async function serveInWorker(): Promise<void> {
  const { ledger } = workerData as { ledger: string };
  const store = createSqliteStore(ledger);
  const server = await startDashboardServer({
    store,
    port: 0,
    timeZone: "UTC",
    now: () => END_MS,
    refreshIntervalMs: 60_000,
  });
  parentPort!.postMessage(server.url);
  parentPort!.once("message", async () => {
    await server.close();
    await store.close();
    parentPort!.postMessage("closed");
  });
}

if (!isMainThread) {
  await serveInWorker();
} else {
  await runBenchmark();
}

async function runBenchmark(): Promise<void> {
  const directory = join(tmpdir(), "llmeter-bench-dashboard");
  mkdirSync(directory, { recursive: true });
  const ledger = join(directory, `usage-${EVENT_COUNT}-v${SCHEMA_VERSION}.db`);
  prepareLedger(ledger);

  const worker = new Worker(new URL(import.meta.url), { workerData: { ledger } });
  const server = {
    url: await new Promise<string>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    }),
    close: () =>
      new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        worker.postMessage("close");
      }).then(() => worker.terminate()),
  };
  const fetchOk = async (path: string) => {
    const response = await fetch(new URL(path, server.url));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };

  const apiRows: Array<Record<string, string | number>> = [];
  for (const [label, path, runs] of [
    ["GET /api/dashboard (the page's default: period=7d)", "/api/dashboard?period=7d", RUNS],
    ["GET /api/dashboard?period=24h", "/api/dashboard?period=24h", RUNS],
    ["GET /api/dashboard?period=30d", "/api/dashboard?period=30d", RUNS],
    [
      "GET /api/dashboard?period=7d&tenant=tenant-3",
      "/api/dashboard?period=7d&tenant=tenant-3",
      RUNS,
    ],
    [
      "GET /api/report?groupBy=user&period=7d (event scan)",
      "/api/report?groupBy=user&period=7d",
      RUNS,
    ],
    ["GET /api/sessions?limit=50&period=7d", "/api/sessions?limit=50&period=7d", RUNS],
    ["GET /api/dashboard?period=all (90 days)", "/api/dashboard?period=all", SLOW_RUNS],
    [
      "GET /api/report?groupBy=user&period=all (event scan)",
      "/api/report?groupBy=user&period=all",
      SLOW_RUNS,
    ],
  ] as const)
    apiRows.push({
      request: label,
      runs,
      "median ms": Math.round(await medianMs(() => fetchOk(path), runs)),
    });
  printTable(
    `Dashboard JSON API, ${EVENT_COUNT.toLocaleString("en-US")} events over 90 days (SQLite ledger)`,
    apiRows,
  );

  if (!existsSync(CHROMIUM)) {
    console.log(
      `\nNo Chromium at ${CHROMIUM}: page timings skipped (bash .ci/setup/chromium.sh installs it).`,
    );
  } else {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const pageRows: Array<Record<string, string | number>> = [];
    for (const [label, search, runs] of [
      ["default (last 7 days)", "", RUNS],
      ["period=24h", "?period=24h", RUNS],
      ["tenant=tenant-3 (7 days)", "?tenant=tenant-3", RUNS],
      ["period=all (90 days)", "?period=all", SLOW_RUNS],
    ] as const) {
      const shown: number[] = [];
      const marked: number[] = [];
      const complete: number[] = [];
      for (let run = 0; run <= runs; run++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        // Notes, inside the page, when <body data-loaded> appears (ms from navigation start),
        // with no round trip to this process: the same probe for any version of the page.
        await page.addInitScript(() => {
          const observer = new MutationObserver(() => {
            if (document.body?.dataset.loaded === undefined) return;
            window.llmeterDataShownAt = performance.now();
            observer.disconnect();
          });
          observer.observe(document, {
            subtree: true,
            attributes: true,
            attributeFilter: ["data-loaded"],
          });
        });
        const started = performance.now();
        await page.goto(`${server.url}${search}`);
        await page.waitForSelector("body[data-loaded]", { timeout: 120_000 });
        const dataShown = performance.now() - started;
        await page.waitForFunction(
          (expected) => document.body?.dataset.completeQuery === expected,
          search,
          {
            timeout: 300_000,
          },
        );
        const allPanels = performance.now() - started;
        const mark = await page.evaluate(() => window.llmeterDataShownAt);
        await page.close();
        if (run === 0) continue; // warm-up
        shown.push(dataShown);
        if (mark !== undefined) marked.push(mark);
        complete.push(allPanels);
      }
      pageRows.push({
        view: label,
        runs,
        "data shown, median ms": Math.round(median(shown)),
        "in the page, median ms": marked.length === 0 ? "–" : Math.round(median(marked)),
        "every panel (users, sessions), median ms": Math.round(median(complete)),
      });
    }
    await browser.close();
    printTable(
      `Dashboard page in headless Chromium, ${EVENT_COUNT.toLocaleString("en-US")} events (target: data shown < 1000 ms)`,
      pageRows,
    );
  }
  await server.close();
}
