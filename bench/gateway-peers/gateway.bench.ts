/**
 * What a gateway adds to a call: direct to the loopback mock upstream vs through the llmeter
 * gateway vs through Portkey's open-source gateway (@portkey-ai/gateway), in one run, each in
 * its own process on the same upstream. Per target: latency p50/p99 of plain chat completions at
 * 200 and 1,000 requests/s (open loop), time to the first streamed byte, the highest sustained
 * rate (closed loop, 64 in flight) and the gateway's memory, after a warm-up that reaches the
 * JIT's steady state (`warmUp` in load.ts). "Added" columns subtract the direct figures. The load generator, the gateway and the upstream share this machine's cores, so the
 * absolute numbers are this machine's; the differences are the point.
 *
 * Run: node_modules/.bin/node bench/run-all.ts gateway-peers
 *      (or: node_modules/.bin/node bench/gateway-peers/gateway.bench.ts [--seconds 5]
 *      [--stream-calls 300] [--targets llmeter,portkey])
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { printTable } from "../measure.ts";
import {
  closedLoop,
  createPool,
  type LatencySummary,
  openLoop,
  type Target,
  timeToFirstChunk,
  warmUp,
} from "./load.ts";
import {
  type Child,
  freePort,
  memoryMegabytes,
  PATHS,
  startChild,
  startMockUpstream,
} from "./processes.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    "stream-calls": { type: "string", default: "300" },
    targets: { type: "string", default: "llmeter,portkey" },
  },
});
const SECONDS = Number(values.seconds);
const STREAM_CALLS = Number(values["stream-calls"]);
const RATES = [200, 1000];
const TARGETS = new Set(values.targets.split(","));
const upstream = await startMockUpstream();
const ledgerFolder = mkdtempSync(join(tmpdir(), "llmeter-gateway-bench-"));

async function startPortkey(): Promise<Child> {
  const port = await freePort();
  const folder = import.meta.dirname;
  return startChild(
    [
      "--import",
      join(folder, "portkey-mutable-headers.mjs"),
      join(folder, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js"),
      `--port=${port}`,
      "--headless",
    ],
    port,
    folder,
  );
}

async function startLlmeterGateway(): Promise<Child> {
  const port = await freePort();
  return startChild(
    [
      PATHS.cli,
      "gateway",
      "--port",
      String(port),
      "--openai-base-url",
      `${upstream.origin}/v1`,
      "--db",
      join(ledgerFolder, "ledger.db"),
    ],
    port,
  );
}

interface Row {
  target: Target;
  child?: Child;
}

const rows: Row[] = [
  {
    target: {
      name: "direct",
      origin: upstream.origin,
      chatPath: "/v1/chat/completions",
      headers: {},
    },
  },
];
if (TARGETS.has("llmeter")) {
  const llmeter = await startLlmeterGateway();
  rows.push({
    target: {
      name: "llmeter gateway",
      origin: llmeter.origin,
      chatPath: "/openai/v1/chat/completions",
      headers: { authorization: "Bearer sk-bench" },
    },
    child: llmeter,
  });
}
if (TARGETS.has("portkey")) {
  const portkey = await startPortkey();
  rows.push({
    target: {
      name: "Portkey gateway 1.15.2",
      origin: portkey.origin,
      chatPath: "/v1/chat/completions",
      headers: {
        authorization: "Bearer sk-bench",
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${upstream.origin}/v1`,
      },
    },
    child: portkey,
  });
}

interface Measured {
  name: string;
  atRate: LatencySummary[];
  firstChunk: { p50Ms: number; p99Ms: number };
  maxRate: number;
  memory?: { rssMb: number; peakMb: number };
}

const measured: Measured[] = [];
for (const { target, child } of rows) {
  const pool = createPool(target, 256);
  await warmUp(pool, target);
  const atRate: LatencySummary[] = [];
  for (const rate of RATES) atRate.push(await openLoop(pool, target, rate, SECONDS));
  const firstChunk = await timeToFirstChunk(pool, target, STREAM_CALLS);
  const maxRate = await closedLoop(pool, target, 64, SECONDS);
  measured.push({
    name: target.name,
    atRate,
    firstChunk,
    maxRate,
    ...(child === undefined ? {} : { memory: memoryMegabytes(child) }),
  });
  await pool.close();
}

const direct = measured[0]!;
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
printTable(
  "Latency of plain chat completions at a fixed rate (ms; added = minus direct)",
  measured.flatMap((row) =>
    row.atRate.map((summary, index) => ({
      target: row.name,
      "rate asked": RATES[index]!,
      "rate done": fixed(summary.rate, 0),
      p50: fixed(summary.p50Ms),
      p99: fixed(summary.p99Ms),
      "added p50": fixed(summary.p50Ms - direct.atRate[index]!.p50Ms),
      "added p99": fixed(summary.p99Ms - direct.atRate[index]!.p99Ms),
      errors: summary.errors,
    })),
  ),
);
printTable(
  `Time to the first streamed byte, ${STREAM_CALLS} sequential streamed calls (ms)`,
  measured.map((row) => ({
    target: row.name,
    p50: fixed(row.firstChunk.p50Ms),
    p99: fixed(row.firstChunk.p99Ms),
    "added p50": fixed(row.firstChunk.p50Ms - direct.firstChunk.p50Ms),
  })),
);
printTable(
  "Highest sustained rate (64 in flight) and the gateway process's memory",
  measured.map((row) => ({
    target: row.name,
    "requests/s": fixed(row.maxRate, 0),
    "RSS MB": row.memory === undefined ? "-" : fixed(row.memory.rssMb, 0),
    "peak RSS MB": row.memory === undefined ? "-" : fixed(row.memory.peakMb, 0),
  })),
);

for (const { child } of rows) await child?.stop();
await upstream.stop();
rmSync(ledgerFolder, { recursive: true, force: true });
