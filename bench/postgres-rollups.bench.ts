// PostgreSQL rollups: load BENCH_PG_ROLLUP_ROWS events (default 10,000,000) through the store's
// COPY path (the rollup triggers run in each COPY's transaction), then time (a) a budget check per
// call and (b) 30-day reports, each read from the rollups and summed from the events (the
// baseline, `useRollups: false`) in the same run. Also the ingest cost of the triggers: the same
// events into a ledger with and without them, alternating.
// Needs the server of .ci/setup/postgres.sh (or LLMETER_TEST_DATABASE_URL).
// Run: node_modules/.bin/node bench/postgres-rollups.bench.ts   (BENCH_PG_ROLLUP_ROWS=500000 while
// developing; BENCH_PG_ROLLUP_INGEST=0 skips the with/without-triggers ingest comparison).
import type pg from "pg";
import { resolveBudgetRule } from "../src/budgets/budget-rule.ts";
import { openPostgresBudgetLedger } from "../src/budgets/postgres/postgres-budget-ledger.ts";
import type { GroupBy } from "../src/stats/usage-stats.ts";
import { createPostgresStore } from "../src/store/postgres/index.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, printTable, quantile } from "./measure.ts";
import { benchEvent, runAdminSql } from "./postgres-bench-data.ts";

const url =
  process.env.LLMETER_TEST_DATABASE_URL ?? "postgres://llmeter:llmeter@127.0.0.1:5432/llmeter_test";
const schema = `bench_rollups_${process.pid}`;
const ROWS = Number(process.env.BENCH_PG_ROLLUP_ROWS ?? 10_000_000);
const INGEST_ROWS = Number(process.env.BENCH_PG_ROLLUP_INGEST ?? 200_000);
const BATCH = 10_000;
const DAY_MS = 86_400_000;
const SPAN_MS = 60 * DAY_MS;
const TENANTS = 50;
// Mid-hour, so every period has partial edge hours read from the events.
const nowMs = Date.UTC(2026, 10, 22, 12, 37, 13);

/** Events `from`..`from + count` of `total`, in time order over the 60 days before now. */
function makeBatch(from: number, count: number, total: number, prefix: string): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (let index = from; index < from + count; index++) {
    const timestampMs = nowMs - SPAN_MS + Math.floor((index / total) * SPAN_MS);
    events.push(benchEvent(index, timestampMs, { prefix, tenants: TENANTS, streaming: true }));
  }
  return events;
}

function admin(sql: string): Promise<pg.QueryResult> {
  return runAdminSql(url, sql);
}

/**
 * Loads the first `count` events of the `total`-event sequence into `runSchema` with the store's
 * append (COPY), returns seconds.
 */
async function load(
  runSchema: string,
  count: number,
  total: number,
  withTriggers: boolean,
): Promise<number> {
  const store = createPostgresStore({ url, schema: runSchema, maxConnections: 2 });
  await store.ready();
  if (!withTriggers) {
    for (const operation of ["insert", "update", "delete", "truncate"])
      await admin(`DROP TRIGGER events_rollups_${operation} ON ${runSchema}.events`);
  }
  const start = performance.now();
  for (let from = 0; from < count; from += BATCH) {
    const size = Math.min(BATCH, count - from);
    await store.append(makeBatch(from, size, total, "e"));
    if (count >= 1_000_000 && (from / BATCH) % 100 === 99)
      process.stderr.write(`  loaded ${(from + size).toLocaleString("en")} events\n`);
  }
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return seconds;
}

/**
 * p50 and p99 in ms of up to `calls` sequential calls of `operation`, stopping after 20 s (the
 * event-summing baseline over millions of events) but never below 20 calls.
 */
async function latencies(operation: () => Promise<unknown>, calls: number) {
  // Warm: the client's code optimized and the server's plans and pages cached, as in a running
  // fleet (a handful of calls left the JIT's first compilations inside the timed calls).
  for (let warm = 0; warm < 100; warm++) await operation();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < calls && (times.length < 20 || performance.now() - started < 20_000)) {
    const start = performance.now();
    await operation();
    times.push(performance.now() - start);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), calls: times.length };
}

const results: Array<Record<string, string | number>> = [];
try {
  if (INGEST_ROWS > 0) {
    // The triggers' cost on ingest: same events, alternating which goes first.
    const rates: Record<"with" | "without", number[]> = { with: [], without: [] };
    for (let run = 0; run < 2; run++) {
      const order = run % 2 === 0 ? (["without", "with"] as const) : (["with", "without"] as const);
      for (const variant of order) {
        const runSchema = `${schema}_ingest_${variant}_${run}`;
        // The first events of the full sequence: the density (events per hour and key) of the load.
        const seconds = await load(runSchema, INGEST_ROWS, ROWS, variant === "with");
        rates[variant].push(INGEST_ROWS / seconds);
        await admin(`DROP SCHEMA ${runSchema} CASCADE`);
      }
    }
    for (const variant of ["without", "with"] as const) {
      results.push({
        measure: `ingest the first ${INGEST_ROWS.toLocaleString("en")} events, COPY batches of ${BATCH.toLocaleString("en")}, ${variant} rollup triggers`,
        rollups: `${Math.round(median(rates[variant])).toLocaleString("en")} events/s`,
        "events (baseline)": "",
        runs: rates[variant].map((rate) => Math.round(rate)).join(", "),
      });
    }
  }

  const loadSeconds = await load(schema, ROWS, ROWS, true);
  // VACUUM as well as ANALYZE: right after a bulk load autovacuum would otherwise be scanning the
  // new rows while the checks are timed, which a ledger that has been running does not see.
  await admin(`VACUUM (ANALYZE) ${schema}.events`);
  await admin(`VACUUM (ANALYZE) ${schema}.rollups_hourly`);
  await admin(`VACUUM (ANALYZE) ${schema}.rollups_daily`);
  const sizes = (
    await admin(`SELECT
      (SELECT count(*) FROM ${schema}.rollups_hourly)::int AS hourly,
      (SELECT count(*) FROM ${schema}.rollups_daily)::int AS daily,
      pg_total_relation_size('${schema}.events') AS events_bytes,
      pg_total_relation_size('${schema}.rollups_hourly') + pg_total_relation_size('${schema}.rollups_daily') AS rollup_bytes`)
  ).rows[0] as { hourly: number; daily: number; events_bytes: string; rollup_bytes: string };
  results.push({
    measure: `load ${ROWS.toLocaleString("en")} events (store.append = COPY, batches of ${BATCH.toLocaleString("en")}, triggers on)`,
    rollups: `${loadSeconds.toFixed(0)} s (${Math.round(ROWS / loadSeconds).toLocaleString("en")} events/s)`,
    "events (baseline)": "",
    runs: `${sizes.hourly.toLocaleString("en")} hourly + ${sizes.daily.toLocaleString("en")} daily rollups, ${(Number(sizes.rollup_bytes) / 2 ** 20).toFixed(0)} MiB beside ${(Number(sizes.events_bytes) / 2 ** 20).toFixed(0)} MiB of events`,
  });

  // (a) Budget checks: the spend of the current window, as every enforced call reads it.
  const budgetUrl = new URL(url);
  budgetUrl.searchParams.set("schema", schema);
  const [fromRollups, fromEvents] = await Promise.all([
    openPostgresBudgetLedger({ url: budgetUrl.toString() }),
    openPostgresBudgetLedger({ url: budgetUrl.toString(), useRollups: false }),
  ]);
  const budgets = [
    { name: "tenant, day (UTC)", rule: { window: "day", scope: { tenantId: "tenant-7" } } },
    {
      name: "tenant, month (Europe/Paris)",
      rule: { window: "month", timeZone: "Europe/Paris", scope: { tenantId: "tenant-7" } },
    },
    { name: "tenant, rolling 24h", rule: { window: "24h", scope: { tenantId: "tenant-7" } } },
    { name: "whole fleet, month (UTC)", rule: { window: "month", scope: {} } },
  ];
  for (const { name, rule } of budgets) {
    const resolved = resolveBudgetRule({ id: name, limitUsd: 1e9, ...rule });
    const calls = 500;
    const rollup = await latencies(() => fromRollups.spend(resolved, nowMs), calls);
    const events = await latencies(() => fromEvents.spend(resolved, nowMs), calls);
    const spend = await fromRollups.spend(resolved, nowMs);
    results.push({
      measure: `(a) budget check, ${name}: p50 / p99 (${spend.requests.toLocaleString("en")} events in window)`,
      rollups: `${rollup.p50.toFixed(2)} / ${rollup.p99.toFixed(2)} ms (${rollup.calls} calls)`,
      "events (baseline)": `${events.p50.toFixed(2)} / ${events.p99.toFixed(2)} ms (${events.calls} calls)`,
      runs: `${(events.p50 / rollup.p50).toFixed(0)}x at p50`,
    });
  }
  await Promise.all([fromRollups.close(), fromEvents.close()]);

  // (b) 30-day reports, as `llmeter report --period 30d` asks for them.
  const store = createPostgresStore({ url, schema });
  const baseline = createPostgresStore({ url, schema, useRollups: false });
  const since = nowMs - 30 * DAY_MS;
  const reports: Array<{ name: string; groupBy: GroupBy[]; tenantId?: string; timeZone: string }> =
    [
      {
        name: "one tenant by model and day, UTC",
        groupBy: ["model", "day"],
        tenantId: "tenant-7",
        timeZone: "UTC",
      },
      {
        name: "one tenant by model and day, Asia/Kolkata",
        groupBy: ["model", "day"],
        tenantId: "tenant-7",
        timeZone: "Asia/Kolkata",
      },
      {
        name: "all tenants by tenant and model, UTC",
        groupBy: ["tenant", "model"],
        timeZone: "UTC",
      },
    ];
  for (const report of reports) {
    const query = {
      filter: {
        sinceMs: since,
        untilMs: nowMs,
        ...(report.tenantId === undefined ? {} : { tenantId: report.tenantId }),
      },
      groupBy: report.groupBy,
      timeZone: report.timeZone,
    };
    const time = async (target: typeof store) => {
      const times: number[] = [];
      let requests = 0;
      for (let run = 0; run < 5; run++) {
        const start = performance.now();
        requests = (await target.aggregate(query)).totals.totalRequests;
        times.push(performance.now() - start);
      }
      return { ms: median(times), requests };
    };
    const rollup = await time(store);
    const events = await time(baseline);
    results.push({
      measure: `(b) 30-day report, ${report.name} (${rollup.requests.toLocaleString("en")} events): median of 5`,
      rollups: `${rollup.ms.toFixed(1)} ms`,
      "events (baseline)": `${events.ms.toFixed(0)} ms`,
      runs: `${(events.ms / rollup.ms).toFixed(0)}x${rollup.requests === events.requests ? "" : " (counts differ!)"}`,
    });
  }
  await Promise.all([store.close(), baseline.close()]);
} finally {
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
printTable(`PostgreSQL rollups, ${ROWS.toLocaleString("en")} events`, results);
