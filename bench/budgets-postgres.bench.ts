// Budgets on a PostgreSQL ledger: what an enforced budget adds to each tracked call (a blocking
// round trip to the worker thread that reserves under pg_advisory_xact_lock) next to the SQLite
// ledger's BEGIN IMMEDIATE, and how the reservation behaves when 4 connections contend for one budget.
// Run: node_modules/.bin/node bench/budgets-postgres.bench.ts (needs the PostgreSQL of
// .ci/setup/postgres.sh, or LLMETER_TEST_DATABASE_URL). Each figure is the median of several runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { resolveBudgetRule } from "../src/budgets/budget-rule.ts";
import { openPostgresBudgetLedger } from "../src/budgets/postgres/postgres-budget-ledger.ts";
import { createMeter } from "../src/meter/create-meter.ts";
import { median, nanosecondsPerCall, printTable } from "./measure.ts";

const DATABASE_URL =
  process.env.LLMETER_TEST_DATABASE_URL ?? "postgres://llmeter:llmeter@127.0.0.1:5432/llmeter_test";
const schema = `bench_budgets_${process.pid}`;
const url = new URL(DATABASE_URL);
url.searchParams.set("schema", schema);
const folder = mkdtempSync(join(tmpdir(), "llmeter-budget-pg-bench-"));
const info = {
  provider: "openai",
  model: "gpt-4o-mini",
  estimate: { inputTokens: 500, maxOutputTokens: 200 },
};

async function trackCost(ledger: string, enforce: boolean | undefined): Promise<number> {
  const meter = createMeter({
    ledger,
    diagnostics: () => {},
    configContext: { env: {}, cwd: folder },
    ...(enforce === undefined ? {} : { budgets: [{ window: "day", limitUsd: 1e9, enforce }] }),
  });
  const result = await nanosecondsPerCall(
    () =>
      meter.track(info, (tracker) => tracker.setTokens({ inputTokens: 480, outputTokens: 150 })),
    { iterations: 1_000, runs: 5, batch: 100 },
  );
  await meter.shutdown();
  return result;
}

// Reservations per second when 4 pools race for the same budget (all serialize on its lock).
async function contendedReservationsPerSecond(): Promise<number> {
  const ledgers = await Promise.all(
    [0, 1, 2, 3].map(() => openPostgresBudgetLedger({ url: url.toString() })),
  );
  const rule = resolveBudgetRule({ id: "bench", window: "day", limitUsd: 1e9, enforce: true });
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const ledger = ledgers[index % 4]!;
        const id = await ledger.reserve({
          rules: [rule],
          eventId: `b-${run}-${index}`,
          costUsd: 0.001,
          tokens: 700,
          nowMs: Date.now(),
        });
        await ledger.release(id);
      }),
    );
    rates.push(200 / ((performance.now() - started) / 1000));
  }
  await Promise.all(ledgers.map((ledger) => ledger.close()));
  return median(rates);
}

try {
  const sqlite = join(folder, "usage.db");
  const rows = [
    { setup: "SQLite ledger, no budgets", "µs/call": (await trackCost(sqlite, undefined)) / 1000 },
    { setup: "SQLite ledger, enforced budget", "µs/call": (await trackCost(sqlite, true)) / 1000 },
    {
      setup: "PostgreSQL ledger, no budgets",
      "µs/call": (await trackCost(url.toString(), undefined)) / 1000,
    },
    {
      setup: "PostgreSQL ledger, alert-only budget",
      "µs/call": (await trackCost(url.toString(), false)) / 1000,
    },
    {
      setup: "PostgreSQL ledger, enforced budget",
      "µs/call": (await trackCost(url.toString(), true)) / 1000,
    },
  ];
  printTable(
    "meter.track() on the caller's path, per call (loopback PostgreSQL)",
    rows.map((row) => ({ ...row, "µs/call": row["µs/call"].toFixed(1) })),
  );
  printTable("Reserve + release, 4 pools contending for one budget", [
    {
      setup: "PostgreSQL, pg_advisory_xact_lock",
      "reservations/s": (await contendedReservationsPerSecond()).toFixed(0),
    },
  ]);
} finally {
  rmSync(folder, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
}
