/**
 * What the llmeter gateway adds to a call: the same loopback mock provider called directly and
 * through the gateway (which meters every call into a SQLite ledger), by an undici client.
 *
 * - Latency at a fixed rate (open loop: requests are sent on schedule, whatever the answers do),
 *   for plain chat completions: p50 and p99 direct, through the gateway, and the difference.
 * - Time to the first streamed chunk (50-chunk chat stream, sequential calls): p50 and p99.
 * - The highest rate the gateway sustained: closed loop, 64 requests in flight, for a few seconds.
 * - The gateway process's resident memory after the runs.
 *
 * Run: node_modules/.bin/node bench/gateway.bench.ts [--seconds 3] [--rates 200,1000] [--streams 300]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { createGateway } from "../src/gateway/index.ts";
import { startMockProvider } from "../src/testing/index.ts";
import { median, printTable } from "./measure.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    rates: { type: "string", default: "200,1000" },
    streams: { type: "string", default: "300" },
  },
});
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(",").map(Number);
const STREAMS = Number(values.streams);

const mock = await startMockProvider({ chunks: 50, replyWords: 50 });
const folder = mkdtempSync(join(tmpdir(), "llmeter-gateway-bench-"));
const gateway = await createGateway({
  port: 0,
  ledger: join(folder, "usage.db"),
  dashboard: false,
  providers: { openai: { baseUrl: mock.openaiBaseUrl } },
  configContext: { env: {}, cwd: folder },
});
const client = new Agent({ connections: 512, pipelining: 1 });
const body = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Summarise the usage ledger in one line." }],
});
const streamBody = JSON.stringify({ ...JSON.parse(body), stream: true });
const headers = { "content-type": "application/json", authorization: "Bearer sk-bench" };
const targets = {
  direct: `${mock.openaiBaseUrl}/chat/completions`,
  gateway: `${gateway.url}/openai/v1/chat/completions`,
};

async function call(url: string, payload: string): Promise<number> {
  const started = performance.now();
  const response = await request(url, {
    method: "POST",
    headers,
    body: payload,
    dispatcher: client,
  });
  await response.body.text();
  return performance.now() - started;
}

/** Milliseconds to the first body piece of a stream, then reads it to the end. */
async function firstChunk(url: string): Promise<number> {
  const started = performance.now();
  const response = await request(url, {
    method: "POST",
    headers,
    body: streamBody,
    dispatcher: client,
  });
  let first: number | undefined;
  for await (const _piece of response.body) first ??= performance.now() - started;
  return first ?? Number.NaN;
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Sends `rate` requests per second for SECONDS on schedule; returns each one's latency. */
async function atRate(url: string, rate: number): Promise<{ latencies: number[]; late: number }> {
  const total = Math.round(rate * SECONDS);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let late = 0;
  for (let index = 0; index < total; index++) {
    const due = start + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait < -5) late += 1;
    pending.push(call(url, body).then((ms) => void latencies.push(ms)));
  }
  await Promise.all(pending);
  return { latencies, late };
}

/** Requests per second with `inFlight` requests always outstanding, for SECONDS. */
async function saturate(url: string, inFlight: number): Promise<number> {
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await call(url, body);
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - started) / 1000);
}

const format = (ms: number) => ms.toFixed(3);

// Warm-up: connections, JIT, the ledger's first writes.
for (let index = 0; index < 300; index++) {
  await call(targets.direct, body);
  await call(targets.gateway, body);
}

const rateRows: Array<Record<string, string | number>> = [];
for (const rate of RATES) {
  const direct = await atRate(targets.direct, rate);
  const through = await atRate(targets.gateway, rate);
  const p50 = [quantile(direct.latencies, 0.5), quantile(through.latencies, 0.5)] as const;
  const p99 = [quantile(direct.latencies, 0.99), quantile(through.latencies, 0.99)] as const;
  rateRows.push({
    "requests/s": rate,
    calls: direct.latencies.length,
    "direct p50 ms": format(p50[0]),
    "gateway p50 ms": format(p50[1]),
    "added p50 ms": format(p50[1] - p50[0]),
    "direct p99 ms": format(p99[0]),
    "gateway p99 ms": format(p99[1]),
    "added p99 ms": format(p99[1] - p99[0]),
    "sent late": direct.late + through.late,
  });
}
printTable("Plain chat completion at a fixed rate (open loop)", rateRows);

const ttft = { direct: [] as number[], gateway: [] as number[] };
for (let index = 0; index < STREAMS; index++) {
  // Interleaved, so both see the same machine load.
  ttft.direct.push(await firstChunk(targets.direct));
  ttft.gateway.push(await firstChunk(targets.gateway));
}
printTable("Time to the first streamed chunk (50-chunk chat stream, sequential)", [
  {
    calls: STREAMS,
    "direct p50 ms": format(quantile(ttft.direct, 0.5)),
    "gateway p50 ms": format(quantile(ttft.gateway, 0.5)),
    "added p50 ms": format(quantile(ttft.gateway, 0.5) - quantile(ttft.direct, 0.5)),
    "direct p99 ms": format(quantile(ttft.direct, 0.99)),
    "gateway p99 ms": format(quantile(ttft.gateway, 0.99)),
    "added median ms": format(median(ttft.gateway) - median(ttft.direct)),
  },
]);

const directRate = await saturate(targets.direct, 64);
const gatewayRate = await saturate(targets.gateway, 64);
await gateway.meter.flush();
printTable("Highest sustained rate (64 in flight, closed loop)", [
  {
    "direct requests/s": Math.round(directRate),
    "gateway requests/s": Math.round(gatewayRate),
    "recorded events": gateway.meter.getHealth().recorded,
    "lost by ledger": gateway.meter.getHealth().droppedBySink.ledger ?? 0,
    "RSS MiB (mock, gateway and client in one process)": Math.round(
      process.memoryUsage().rss / 2 ** 20,
    ),
  },
]);

await gateway.close();
await client.close();
await mock.close();
