import { expect } from "vitest";
import { PERCENTILE_RELATIVE_ACCURACY } from "../../src/store/rollup/latency-histogram.ts";
import type { AggregateResult } from "../../src/store/usage-store.ts";
import { PERCENTILE_KEYS } from "./store-contract.ts";

/**
 * Checks an aggregate answered from rollups against the same aggregate summed from the events:
 * every count, token sum, cost and share identical; the average latency to 1e-9 (a float sum in
 * another order); percentiles within the histograms' stated 1%.
 */
export function expectSameResult(
  actual: AggregateResult,
  expected: AggregateResult,
  label: string,
): void {
  const compare = (got: unknown, want: unknown, path: string): void => {
    if (typeof want === "number" && typeof got === "number") {
      const key = path.slice(path.lastIndexOf(".") + 1);
      const tolerance = PERCENTILE_KEYS.has(key)
        ? PERCENTILE_RELATIVE_ACCURACY
        : key === "avgLatencyMs"
          ? 1e-9
          : 0;
      const allowed = tolerance === 0 ? 0 : Math.max(Math.abs(want) * tolerance, 1e-9);
      if (Math.abs(got - want) > allowed) expect.fail(`${path}: expected ${want}, got ${got}`);
      return;
    }
    if (want !== null && typeof want === "object" && got !== null && typeof got === "object") {
      expect(Object.keys(got).sort(), `${path} keys`).toEqual(Object.keys(want).sort());
      for (const key of Object.keys(want))
        compare(
          (got as Record<string, unknown>)[key],
          (want as Record<string, unknown>)[key],
          `${path}.${key}`,
        );
      return;
    }
    expect(got, path).toEqual(want);
  };
  compare(actual, expected, label);
}
