/**
 * Load generation for the gateway benchmark, with undici's pooled client (the same HTTP stack the
 * gateways use upstream): an open-loop run at a fixed request rate (latency measured from each
 * request's scheduled start, so a stalled gateway is not hidden by a stalled client), a
 * closed-loop run for the highest sustained rate, and time to the first streamed byte.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";

/** Where a benchmark request goes: one gateway (or the upstream itself) and its headers. */
export interface Target {
  name: string;
  origin: string;
  /** Path of the chat completions endpoint on `origin`. */
  chatPath: string;
  headers: Record<string, string>;
}

export interface LatencySummary {
  /** Requests per second actually completed. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const CHAT_BODY = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Summarise the usage ledger in one line." }],
};

export function createPool(target: Target, connections: number): Pool {
  return new Pool(target.origin, { connections, pipelining: 1 });
}

async function sendChat(pool: Pool, target: Target, stream: boolean): Promise<number> {
  const response = await pool.request({
    path: target.chatPath,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body: JSON.stringify(stream ? { ...CHAT_BODY, stream: true } : CHAT_BODY),
  });
  await response.body.dump({ limit: Number.POSITIVE_INFINITY });
  return response.statusCode;
}

export function percentile(sorted: number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
}

/**
 * `rate` requests per second for `seconds`, each timed from its scheduled start (so a stalled
 * generator or target counts the wait), or from when it was sent if that was earlier: timers are
 * coarser than 1 ms, so a request due within a millisecond goes at once rather than late.
 */
export async function openLoop(
  pool: Pool,
  target: Target,
  rate: number,
  seconds: number,
): Promise<LatencySummary> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let index = 0; index < total; index++) {
    const scheduled = start + (index * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    const from = Math.min(scheduled, performance.now());
    inFlight.push(
      sendChat(pool, target, false).then(
        (status) => {
          if (status !== 200) errors += 1;
          latencies.push(performance.now() - from);
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
  };
}

/** As many requests as `concurrency` workers can complete in `seconds`: requests per second. */
export async function closedLoop(
  pool: Pool,
  target: Target,
  concurrency: number,
  seconds: number,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      if ((await sendChat(pool, target, false)) === 200) completed += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return completed / ((performance.now() - start) / 1000);
}

/** Milliseconds to the first body byte of `calls` sequential streamed chat completions. */
export async function timeToFirstChunk(
  pool: Pool,
  target: Target,
  calls: number,
): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  for (let call = 0; call < calls; call++) {
    const start = performance.now();
    const response = await pool.request({
      path: target.chatPath,
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers },
      body: JSON.stringify({ ...CHAT_BODY, stream: true }),
    });
    const chunks = response.body[Symbol.asyncIterator]();
    await chunks.next();
    times.push(performance.now() - start);
    // Read the rest, so the connection goes back to the pool instead of being torn down.
    while (!(await chunks.next()).done);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
}

/**
 * Warms connections, caches and the JIT before timing: a few plain and streamed calls, then
 * `seconds` of closed-loop load, then a pause. V8 optimizes hot code after some 10,000 calls; the
 * gateway, the upstream and the load generator reach that together, and their compiler threads
 * then hold both cores for ~100 ms (measured: every V8 worker thread busy at once, the gateway's
 * main thread waiting). A timed window that contains it measures the compiler, not the gateway, so
 * the runs start in the steady state a long-running gateway is in. The pause lets work queued
 * during the burst (the gateway's ledger writes) finish first.
 */
export async function warmUp(pool: Pool, target: Target, calls = 200, seconds = 4): Promise<void> {
  for (let call = 0; call < calls; call++) await sendChat(pool, target, call % 2 === 0);
  await closedLoop(pool, target, 16, seconds);
  await sleep(2_000);
}
