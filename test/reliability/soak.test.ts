// Soak: calls at full speed with the ledger, OpenTelemetry and an enforced budget on. Short in CI
// (5 s); set LLMETER_SOAK_SECONDS (e.g. 600) for the long run. Nothing lost or double-counted,
// no drops, every result unchanged, and memory flat once warm.
import { describe, expect, it } from "vitest";
import { runSoak } from "./soak-workload.ts";

const seconds = Number(process.env.LLMETER_SOAK_SECONDS ?? "5");

describe("soak", () => {
  for (const budgets of [false, true]) {
    it(`${seconds} s at full speed (ledger + OpenTelemetry${budgets ? " + enforced budget" : ""}): nothing lost, nothing double-counted, memory flat`, {
      timeout: (seconds + 120) * 1000,
    }, async () => {
      const result = await runSoak(seconds, { budgets });
      console.info(`soak: ${JSON.stringify(result)}`);
      expect(result.calls).toBeGreaterThan(0);
      expect(result.wrongResults).toBe(0);
      expect(result.ledgerRows).toBe(result.calls);
      expect(result.ledgerInputTokens).toBe(result.expectedInputTokens);
      expect(result.spansExported).toBe(result.calls);
      expect(Object.values(result.dropped).every((count) => count === 0)).toBe(true);
      // Flat memory: the heap after the run (after GC) is not a function of the number of calls.
      // The window keeps 10,000 events and the buffers are bounded, so growth past warm-up stays
      // within a fixed allowance whatever the duration.
      expect(result.heapEndMb - result.heapWarmMb).toBeLessThan(64);
    });
  }
});
