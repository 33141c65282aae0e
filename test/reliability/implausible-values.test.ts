// Values no real call has (a cost that multiplies out to Infinity, 1e308 tokens) never reach the
// ledger or a total: a computed cost beyond the bound leaves the call unpriced, counts and costs
// beyond the bounds are dropped and counted in getHealth().corrected.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { EventPricer } from "../../src/meter/types.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import {
  MAX_COST_USD,
  MAX_COUNT,
  normalizeUsageEvent,
} from "../../src/usage/normalize-usage-event.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-implausible-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Prices at $1 per call, except one model whose price gives a non-finite cost. */
const pricer: EventPricer = {
  priceEvent: (event) => ({
    costUsd: event.model === "poisoned" ? (event.inputTokens ?? 0) * 1e308 : 1,
    breakdown: {},
    source: "custom",
  }),
};

describe("implausible values", () => {
  it("a call priced to a non-finite cost among 1,000 good calls: all written, it unpriced", async () => {
    const path = join(folder, "poison.db");
    const warnings: string[] = [];
    const meter = createMeter({
      ledger: path,
      pricing: pricer,
      diagnostics: (_level, message) => warnings.push(message),
    });
    for (let call = 0; call < 1_000; call++) {
      meter.record({ provider: "openai", model: "gpt-4o", inputTokens: 10, outputTokens: 1 });
      if (call === 500)
        meter.record({ provider: "acme", model: "poisoned", inputTokens: 10, outputTokens: 1 });
    }
    expect(meter.getHealth()).toMatchObject({ priced: 1_000, unpriced: 1 });
    const { lostByLedger } = await meter.shutdown();
    expect(lostByLedger).toBe(0);
    expect(
      warnings.filter((message) => message.includes("acme/poisoned gives a cost of Infinity")),
    ).toHaveLength(1);

    const store = createSqliteStore(path);
    const { totals } = await store.aggregate({ filter: {}, timeZone: "UTC" });
    await store.close();
    expect(totals.totalRequests).toBe(1_001);
    expect(totals.unpricedRequests).toBe(1);
    expect(totals.totalCostUsd).toBe(1_000);
  });

  it("drops counts and costs beyond the plausible bounds, and says which", () => {
    const { event, problems } = normalizeUsageEvent({
      id: "e",
      timestamp: "2026-12-01T00:00:00.000Z",
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 1e308,
      outputTokens: MAX_COUNT,
      costUsd: MAX_COST_USD * 10,
    });
    expect(event.inputTokens).toBeUndefined();
    expect(event.outputTokens).toBe(MAX_COUNT);
    expect(event.costUsd).toBeUndefined();
    expect(problems).toEqual([
      expect.stringContaining("inputTokens: 1e+308 is beyond the plausible"),
      expect.stringContaining("costUsd: 10000000 is beyond the plausible"),
    ]);
  });

  it("counts an event with an implausible value as corrected", async () => {
    const meter = createMeter({ ledger: false, pricing: false, diagnostics: () => {} });
    meter.record({ provider: "openai", model: "gpt-4o", inputTokens: 1e15, outputTokens: 3 });
    const health = meter.getHealth();
    expect(health.corrected).toBe(1);
    expect(Number.isFinite(meter.getStats().totalInputTokens)).toBe(true);
    await meter.shutdown();
  });
});
