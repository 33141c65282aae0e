// PostgreSQL ledger: ingest rate (events/s) and the 30-day stats query over 1,000,000 events.
// Needs the server of .ci/setup/postgres.sh (or LLMETER_TEST_DATABASE_URL).
// Run: node_modules/.bin/node bench/postgres.bench.ts   (BENCH_PG_ROWS=200000 for a quicker run,
// BENCH_PG_ONLY=ingest for the ingest rows alone). Ingest alternates the store with a baseline
// writer (the previous json_to_recordset INSERT) in the same run and reports CPU per event of
// this process and of the local PostgreSQL server, which shares the machine.
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import {
  EVENT_COLUMN_LIST,
  EVENT_RECORD_DEFINITION,
  rowFromEvent,
} from "../src/store/postgres/event-columns.ts";
import { createPostgresStore } from "../src/store/postgres/index.ts";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, printTable } from "./measure.ts";
import { benchEvent, runAdminSql } from "./postgres-bench-data.ts";

const url =
  process.env.LLMETER_TEST_DATABASE_URL ?? "postgres://llmeter:llmeter@127.0.0.1:5432/llmeter_test";
const schema = `bench_${process.pid}`;
const QUERY_ROWS = Number(process.env.BENCH_PG_ROWS ?? 1_000_000);
const INGEST_EVENTS = 100_000;
const INGEST_RUNS = Number(process.env.BENCH_PG_INGEST_RUNS ?? 3);
const BATCH = 5_000; // what the meter's ledger writer hands the store at most
const DAY_MS = 86_400_000;
const nowMs = Date.UTC(2026, 10, 22, 12);

/** Realistic events spread over the 30 days before now (see bench-events.ts). */
function makeEvents(count: number, prefix: string): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (let index = 0; index < count; index++) {
    events.push(
      benchEvent(index, nowMs - ((index * 7919) % (30 * DAY_MS)), { prefix, tenants: 25 }),
    );
  }
  return events;
}

type Writer = (events: UsageEvent[]) => Promise<number>;
type Variant = "store" | "baseline";

/**
 * The write path before COPY (kept here as the same-run baseline): one multi-row
 * `INSERT ... SELECT FROM json_to_recordset($1) ON CONFLICT DO NOTHING` per batch.
 */
function baselineWriter(pool: pg.Pool, runSchema: string): Writer {
  const sql = `INSERT INTO ${runSchema}.events (${EVENT_COLUMN_LIST})
    SELECT ${EVENT_COLUMN_LIST} FROM json_to_recordset($1::json) AS r(${EVENT_RECORD_DEFINITION})
    ON CONFLICT DO NOTHING`;
  return async (events) => {
    const json = JSON.stringify(events.map((event, index) => rowFromEvent(event, index)));
    return (await pool.query(sql, [json])).rowCount ?? 0;
  };
}

interface IngestResult {
  rate: number;
  nodeMicros: number;
  postgresMicros: number | undefined;
  replayRate: number;
  replayAdded: number;
}

/** Writes INGEST_EVENTS new events with `concurrency` writers, then replays them all. */
async function ingest(variant: Variant, concurrency: number, run: number): Promise<IngestResult> {
  const runSchema = `${schema}_${variant}_${concurrency}_${run}`;
  const stores = Array.from({ length: concurrency }, () =>
    createPostgresStore({ url, schema: runSchema, maxConnections: 2 }),
  );
  await Promise.all(stores.map((store) => store.ready()));
  const pools = stores.map(() => new pg.Pool({ connectionString: url, max: 2 }));
  const writers: Writer[] =
    variant === "store"
      ? stores.map((store) => (events) => store.append(events))
      : pools.map((pool) => baselineWriter(pool, runSchema));
  // Open the baseline's connections before timing, as ready() does for the store.
  await Promise.all(pools.map((pool) => pool.query("SELECT 1")));
  const perWriter = INGEST_EVENTS / concurrency;
  const batches = writers.map((_, writer) => makeEvents(perWriter, `w${writer}`));
  const writeAll = async () => {
    const added = await Promise.all(
      writers.map(async (write, writer) => {
        const events = batches[writer]!;
        let count = 0;
        for (let offset = 0; offset < events.length; offset += BATCH) {
          count += await write(events.slice(offset, offset + BATCH));
        }
        return count;
      }),
    );
    return added.reduce((sum, count) => sum + count, 0);
  };
  const nodeBefore = process.cpuUsage();
  const postgresBefore = postgresCpuSeconds();
  const start = performance.now();
  await writeAll();
  const seconds = (performance.now() - start) / 1000;
  const nodeCpu = process.cpuUsage(nodeBefore);
  const postgresAfter = postgresCpuSeconds();
  // A forced replay of everything: idempotency by id means it adds nothing.
  const replayStart = performance.now();
  const replayAdded = await writeAll();
  const replaySeconds = (performance.now() - replayStart) / 1000;
  await Promise.all([...stores.map((store) => store.close()), ...pools.map((pool) => pool.end())]);
  await admin(`DROP SCHEMA ${runSchema} CASCADE`);
  return {
    rate: INGEST_EVENTS / seconds,
    nodeMicros: (nodeCpu.user + nodeCpu.system) / INGEST_EVENTS,
    postgresMicros:
      postgresBefore === undefined || postgresAfter === undefined
        ? undefined
        : ((postgresAfter - postgresBefore) * 1e6) / INGEST_EVENTS,
    replayRate: INGEST_EVENTS / replaySeconds,
    replayAdded,
  };
}

/**
 * CPU seconds used so far by every process named `postgres` on this machine (backends and the
 * background writers their work causes), or undefined when the server is not local (/proc shows
 * none). Other users of the same server add noise, so runs alternate with the baseline.
 */
function postgresCpuSeconds(): number | undefined {
  let ticks = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      // utime and stime, fields 14 and 15 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // The process ended meanwhile.
    }
  }
  return found ? ticks / 100 : undefined;
}

function admin(sql: string): Promise<pg.QueryResult> {
  return runAdminSql(url, sql);
}

const results: Array<Record<string, string | number>> = [];
try {
  for (const concurrency of [1, 4]) {
    const byVariant: Record<Variant, IngestResult[]> = { store: [], baseline: [] };
    for (let run = 0; run < INGEST_RUNS; run++) {
      // Alternate which goes first, so a burst of load elsewhere does not favour one side.
      const order: Variant[] = run % 2 === 0 ? ["baseline", "store"] : ["store", "baseline"];
      for (const variant of order) byVariant[variant].push(await ingest(variant, concurrency, run));
    }
    const ratios = byVariant.store.map(
      (result, run) => result.rate / byVariant.baseline[run]!.rate,
    );
    for (const variant of ["baseline", "store"] as const) {
      const runs = byVariant[variant];
      const postgres = runs.map((result) => result.postgresMicros);
      results.push({
        measure: `ingest, ${concurrency} writer(s), batches of ${BATCH}: ${variant === "store" ? "store (COPY)" : "baseline (json_to_recordset INSERT)"}`,
        median: `${Math.round(median(runs.map((result) => result.rate))).toLocaleString("en")} events/s`,
        runs: runs.map((result) => Math.round(result.rate)).join(", "),
        "node CPU µs/event": median(runs.map((result) => result.nodeMicros)).toFixed(1),
        "postgres CPU µs/event": postgres.every((value) => value !== undefined)
          ? median(postgres as number[]).toFixed(1)
          : "n/a",
        "forced replay": `${Math.round(median(runs.map((result) => result.replayRate))).toLocaleString("en")} events/s, ${Math.max(...runs.map((result) => result.replayAdded))} added`,
        "store / baseline": variant === "store" ? `${median(ratios).toFixed(2)}x` : "",
      });
    }
  }
  if (process.env.BENCH_PG_ONLY === "ingest") {
    printTable("PostgreSQL ledger ingest (median of runs)", results);
    process.exit(0);
  }

  // The query table: filled server-side (generate_series) so the fill does not dominate the run.
  const store = createPostgresStore({ url, schema });
  await store.ready();
  const fillStart = performance.now();
  await admin(`
    INSERT INTO ${schema}.events (id, ts, kind, provider, model, tenant_id, user_id, session_id,
      success, error_type, streaming, input_tokens, output_tokens, total_tokens, cache_read_tokens,
      cost_usd, latency_ms, ttft_ms, extra)
    SELECT 'e' || n,
      to_timestamp(${nowMs / 1000} - (n * 7919 % (60 * 86400))),
      'llm', (ARRAY['openai','openai','anthropic','google'])[n % 4 + 1],
      (ARRAY['gpt-4o','gpt-4o-mini','claude-sonnet-4','gemini-2.5-flash'])[n % 4 + 1],
      'tenant-' || (n % 25), 'user-' || (n % 400), 'session-' || (n % 20000),
      n % 20 <> 0, CASE WHEN n % 20 = 0 THEN 'rate_limit' END, n % 2 = 0,
      200 + n * 37 % 4000, 20 + n * 13 % 700, 220 + n * 37 % 4000 + n * 13 % 700,
      CASE WHEN n % 3 = 0 THEN 100 END,
      ((200 + n * 37 % 4000) * 2.5 + (20 + n * 13 % 700) * 10) / 1e6,
      200 + n * 101 % 3000, CASE WHEN n % 2 = 0 THEN 50 + n % 400 END,
      '{"operation":"chat","priceSource":"catalog"}'::jsonb
    FROM generate_series(1::bigint, ${QUERY_ROWS}) AS n`);
  await admin(`ANALYZE ${schema}.events`);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const [sizeRow] = (
    await admin(
      `SELECT pg_total_relation_size('${schema}.events') AS bytes, pg_relation_size('${schema}.events') AS heap`,
    )
  ).rows as Array<{ bytes: string; heap: string }>;

  const since = nowMs - 30 * DAY_MS;
  const queries = [
    {
      name: "30d, tenant filter, percentiles, by model",
      query: { filter: { sinceMs: since, tenantId: "tenant-7" }, groupBy: ["model" as const] },
    },
    {
      name: "30d, all tenants, by model + day + tenant",
      query: {
        filter: { sinceMs: since },
        groupBy: ["model" as const, "day" as const, "tenant" as const],
      },
    },
    { name: "30d, totals only", query: { filter: { sinceMs: since } } },
  ];
  for (const { name, query } of queries) {
    const times: number[] = [];
    let selected = 0;
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      const result = await store.aggregate({ ...query, timeZone: "Europe/Paris" });
      times.push(performance.now() - start);
      selected = result.totals.totalRequests;
    }
    results.push({
      measure: `${name} over ${QUERY_ROWS.toLocaleString("en")} events (${selected.toLocaleString("en")} in range)`,
      median: `${median(times).toFixed(0)} ms`,
      runs: times.map((time) => time.toFixed(0)).join(", "),
    });
  }
  const sessionTimes: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    await store.listSessions({ limit: 20, filter: { sinceMs: nowMs - DAY_MS } });
    sessionTimes.push(performance.now() - start);
  }
  results.push({
    measure: "latest 20 sessions active in the last 24h",
    median: `${median(sessionTimes).toFixed(0)} ms`,
    runs: sessionTimes.map((time) => time.toFixed(0)).join(", "),
  });
  results.push({
    measure: `table + indexes on disk for ${QUERY_ROWS.toLocaleString("en")} events`,
    median: `${(Number(sizeRow!.bytes) / 2 ** 20).toFixed(0)} MiB (heap ${(Number(sizeRow!.heap) / 2 ** 20).toFixed(0)} MiB)`,
    runs: `filled in ${fillSeconds.toFixed(1)} s`,
  });
  await store.close();
} finally {
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
printTable("PostgreSQL ledger (median of runs)", results);
