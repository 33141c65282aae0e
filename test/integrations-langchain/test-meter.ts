/**
 * Test helper: a real meter with a collecting sink and a flat test price (not a real price list:
 * the pricing engine is tested elsewhere; here we check tokens reach the pricer intact).
 */
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { EventPricer, Meter } from "../../src/meter/types.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

/** USD per token for the test pricer. */
export const TEST_PRICE = { input: 1e-6, output: 2e-6 };

export function testCost(inputTokens: number, outputTokens: number): number {
  return inputTokens * TEST_PRICE.input + outputTokens * TEST_PRICE.output;
}

const testPricer: EventPricer = {
  priceEvent(event) {
    if (event.inputTokens === undefined && event.outputTokens === undefined) return null;
    const input = (event.inputTokens ?? 0) * TEST_PRICE.input;
    const output = (event.outputTokens ?? 0) * TEST_PRICE.output;
    return { costUsd: input + output, breakdown: { input, output }, source: "custom" };
  },
};

export interface TestMeter {
  meter: Meter;
  /** Flushes the meter, then returns every event recorded so far. */
  events(): Promise<UsageEvent[]>;
}

export function createTestMeter(): TestMeter {
  const collected: UsageEvent[] = [];
  const meter = createMeter({
    pricing: testPricer,
    store: false,
    sinks: [(event) => void collected.push(event)],
    diagnostics: silentDiagnostics,
    configContext: { env: {}, cwd: "/nonexistent" },
  });
  return {
    meter,
    async events() {
      await meter.flush();
      return [...collected];
    },
  };
}
