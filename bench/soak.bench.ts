/**
 * Soak benchmark: calls at full speed through meter.track with the SQLite ledger and OpenTelemetry
 * (spans + metrics, real SDK) on, with and without an enforced budget, for SOAK_SECONDS each
 * (default 20), median of SOAK_RUNS runs (default 3). Prints throughput, heap (after GC) and the
 * loss check. Run: node_modules/.bin/node bench/soak.bench.ts
 */
import { runSoak } from "../test/reliability/soak-workload.ts";
import { median, printTable } from "./measure.ts";

const seconds = Number(process.env.SOAK_SECONDS ?? "20");
const runs = Number(process.env.SOAK_RUNS ?? "3");
const rows: Array<Record<string, string | number>> = [];
for (const budgets of [false, true]) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await runSoak(seconds, { budgets }));
  rows.push({
    workload: budgets ? "ledger + otel + enforced budget" : "ledger + otel",
    "calls/s (median)": Math.round(median(results.map((result) => result.callsPerSecond))),
    "heap warm MB": median(results.map((result) => result.heapWarmMb)).toFixed(1),
    "heap end MB": median(results.map((result) => result.heapEndMb)).toFixed(1),
    "heap max MB": Math.max(...results.map((result) => result.heapMaxMb)).toFixed(1),
    "lost or double-counted": results.reduce(
      (sum, result) =>
        sum +
        Math.abs(result.calls - result.ledgerRows) +
        Math.abs(result.calls - result.spansExported),
      0,
    ),
    dropped: results.reduce(
      (sum, result) => sum + Object.values(result.dropped).reduce((a, b) => a + b, 0),
      0,
    ),
  });
}
printTable(`Soak: ${seconds} s per run, median of ${runs} runs`, rows);
