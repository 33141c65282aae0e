/**
 * Small helpers shared by the benchmarks: time a loop in batches, take the median of several
 * runs, and print a table. Benchmarks measure; they never assert.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** Nanoseconds per operation of `operation`, median of `runs` runs of `iterations` calls each. */
export async function nanosecondsPerCall(
  operation: (index: number) => unknown,
  options: { iterations?: number; runs?: number; batch?: number } = {},
): Promise<number> {
  const iterations = options.iterations ?? 200_000;
  const runs = options.runs ?? 7;
  const batch = options.batch ?? 10_000;
  const results: number[] = [];
  for (let run = 0; run < runs; run++) {
    let elapsed = 0n;
    for (let done = 0; done < iterations; done += batch) {
      const start = process.hrtime.bigint();
      for (let index = 0; index < batch; index++) operation(done + index);
      elapsed += process.hrtime.bigint() - start;
      // Let background work (the meter's drain, sinks) run between batches, outside the timing.
      await yieldToEventLoop();
    }
    results.push(Number(elapsed) / iterations);
  }
  return median(results);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `fraction` quantile (0..1) of `values`, nearest rank: p99 of 200 calls is the 198th. */
export function quantile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}
