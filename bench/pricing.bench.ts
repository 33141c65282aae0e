// The pricing engine: the time to price one event on a warm cache (target < 1 µs), for a few
// typical shapes, plus the cold costs (first import of the catalog, first price book, first lookup
// of a model id). Median of several runs.
// Run: node_modules/.bin/node bench/pricing.bench.ts
import { performance } from "node:perf_hooks";
import type { UsageEvent } from "../src/usage/usage-event.ts";
import { median, nanosecondsPerCall, printTable } from "./measure.ts";

const importStart = performance.now();
const { createPriceBook } = await import("../src/pricing/price-book.ts");
const importMs = performance.now() - importStart;

const bookStart = performance.now();
const book = createPriceBook({ diagnostics: () => {} });
book.calculateCost({ inputTokens: 1 }, { provider: "openai", model: "gpt-4o" });
const firstBookMs = performance.now() - bookStart;

function event(fields: Partial<UsageEvent>): UsageEvent {
  return {
    id: "bench",
    timestamp: "2026-11-01T12:00:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    success: true,
    inputTokens: 1_200,
    outputTokens: 300,
    ...fields,
  };
}

const WORKLOADS: Array<[string, UsageEvent]> = [
  [
    "openai gpt-4o, cached input",
    event({ cacheReadTokens: 400, responseModel: "gpt-4o-2024-08-06" }),
  ],
  [
    "anthropic sonnet 4.5, 5m+1h cache writes",
    event({
      provider: "anthropic",
      model: "claude-sonnet-4-5-20250929",
      cacheReadTokens: 500,
      cacheWrite5mTokens: 200,
      cacheWrite1hTokens: 100,
    }),
  ],
  [
    "gemini 2.5 pro, long context",
    event({ provider: "google", model: "gemini-2.5-pro", inputTokens: 250_000 }),
  ],
  [
    "bedrock regional profile",
    event({ provider: "bedrock", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }),
  ],
  ["o3 dated price + flex", event({ model: "o3", serviceTier: "flex", reasoningTokens: 200 })],
  [
    "snapshot model (pattern match)",
    event({ provider: "bedrock", model: "eu.amazon.nova-2-lite-v1:0" }),
  ],
];

// Warm up every shape first, so the first measured workload does not pay for the JIT.
for (const [, sample] of WORKLOADS)
  for (let index = 0; index < 200_000; index += 1) book.priceEvent(sample);

const rows: Array<Record<string, string | number>> = [];
for (const [name, sample] of WORKLOADS) {
  if (book.priceEvent(sample) === null) throw new Error(`no price for ${name}`);
  const ns = await nanosecondsPerCall(() => book.priceEvent(sample), {
    iterations: 500_000,
    runs: 7,
  });
  rows.push({ workload: name, "ns per event (warm)": Math.round(ns), "target ns": 1000 });
}

// Cold lookups: a fresh model id each call (the resolution cache misses; the catalog index is warm).
const coldSamples: number[] = [];
for (let run = 0; run < 5; run += 1) {
  const fresh = createPriceBook({ diagnostics: () => {} });
  const start = performance.now();
  for (let index = 0; index < 2_000; index += 1)
    fresh.calculateCost(
      { inputTokens: 10 },
      { provider: "openai", model: `gpt-4o-2024-08-${String(index)}` },
    );
  coldSamples.push(((performance.now() - start) * 1e6) / 2_000);
}
rows.push({
  workload: "first lookup of an unseen model id",
  "ns per event (warm)": Math.round(median(coldSamples)),
  "target ns": "-",
});

printTable("pricing one event (median of 7 runs)", rows);
printTable("cold start", [
  { step: "import the engine and catalog (ms)", value: Number(importMs.toFixed(1)) },
  { step: "index the catalog + first price (ms)", value: Number(firstBookMs.toFixed(1)) },
]);
