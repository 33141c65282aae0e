// The soak workload shared by test/reliability/soak.test.ts (short, in CI) and
// bench/soak.bench.ts (long): calls at full speed through meter.track with the SQLite ledger,
// OpenTelemetry spans and metrics (real SDK, batch processor) and an enforced budget all on.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ExportResult } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createOtelInstrumentation } from "../../src/otel/index.ts";

/** Counts exported spans without keeping them (an in-memory exporter would grow by design). */
class CountingSpanExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

export interface SoakResult {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  /** Heap after a forced GC: after warm-up, and at the end. */
  heapWarmMb: number;
  heapEndMb: number;
  /** Highest heap sample (after GC) during the run. */
  heapMaxMb: number;
  ledgerRows: number;
  ledgerInputTokens: number;
  expectedInputTokens: number;
  spansExported: number;
  dropped: Record<string, number>;
  wrongResults: number;
}

const collectGarbage = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Runs the workload for `seconds`, then flushes and checks the ledger. */
export async function runSoak(
  seconds: number,
  options: { budgets?: boolean } = {},
): Promise<SoakResult> {
  const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-soak-")), "usage.db");
  const spans = new CountingSpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: spans,
        maxQueueSize: 100_000,
        maxExportBatchSize: 5000,
        scheduledDelayMillis: 200,
      }),
    ],
  });
  const meterProvider = new MeterProvider();
  const meter = createMeter({
    ledger,
    configContext: { env: {}, cwd: tmpdir() },
    diagnostics: () => {},
    maxHistory: 10_000,
    ...(options.budgets === false
      ? {}
      : {
          budgets: [
            { scope: "global" as const, window: "day" as const, limitUsd: 1e9, enforce: true },
          ],
        }),
    instrumentations: [createOtelInstrumentation({ tracerProvider, meterProvider, logs: false })],
  });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let calls = 0;
  let wrongResults = 0;
  let expectedInputTokens = 0;
  let heapWarmMb = 0;
  let heapMaxMb = 0;
  let nextSample = started + Math.min(1000, seconds * 200);
  while (performance.now() < deadline) {
    for (let index = 0; index < 500; index++) {
      const inputTokens = 50 + (calls % 100);
      expectedInputTokens += inputTokens;
      const value = calls;
      const result = await meter.track(
        {
          provider: "openai",
          model: "gpt-4o-mini",
          tenantId: `tenant-${calls % 20}`,
          estimate: { inputTokens, maxOutputTokens: 10 },
        },
        async (tracker) => {
          tracker.setTokens({ inputTokens, outputTokens: 10 });
          return value;
        },
      );
      if (result !== value) wrongResults += 1;
      calls += 1;
    }
    // Yield a turn, as a real server does between requests.
    await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() >= nextSample) {
      const heap = heapMb();
      if (heapWarmMb === 0) heapWarmMb = heap;
      heapMaxMb = Math.max(heapMaxMb, heap);
      nextSample = performance.now() + 1000;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  await meter.flush();
  const dropped = meter.getHealth().droppedBySink;
  await meter.shutdown();
  await tracerProvider.forceFlush();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  const heapEndMb = heapMb();
  const db = new DatabaseSync(ledger, { readOnly: true });
  const row = db
    .prepare(
      "SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(input_tokens) AS tokens FROM events",
    )
    .get() as { n: number; ids: number; tokens: number };
  db.close();
  return {
    calls,
    seconds: elapsed,
    callsPerSecond: calls / elapsed,
    heapWarmMb,
    heapEndMb,
    heapMaxMb: Math.max(heapMaxMb, heapEndMb),
    ledgerRows: Number(row.n),
    ledgerInputTokens: Number(row.tokens),
    expectedInputTokens,
    spansExported: spans.exported,
    dropped,
    wrongResults,
  };
}
