// The meter prices events through the pricing engine by default.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/resolve-config.ts";
import { createMeter, type MeterOptions } from "../../src/meter/create-meter.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

function meterWith(options: MeterOptions = {}, env: NodeJS.ProcessEnv = {}) {
  const events: UsageEvent[] = [];
  const messages: string[] = [];
  const meter = createMeter({
    configContext: { env: { LLMETER_CONFIG: "none", ...env } },
    diagnostics: (_level, message) => messages.push(message),
    sinks: [(event) => void events.push(event)],
    ...options,
  });
  return { meter, events, messages };
}

describe("the meter's default pricing", () => {
  it("prices events from the bundled catalog and records the match", async () => {
    const { meter, events } = meterWith();
    meter.recordLlm({
      provider: "openai",
      model: "gpt-4o",
      responseModel: "gpt-4o-2024-08-06",
      inputTokens: 10_000,
      cacheReadTokens: 4_000,
      outputTokens: 500,
      timestamp: "2026-01-01T00:00:00Z",
    });
    await meter.flush();
    expect(events[0]).toMatchObject({
      costUsd: 0.025,
      costBreakdown: { input: 0.015, cacheRead: 0.005, output: 0.005 },
      priceSource: "catalog",
      priceEntryId: "openai/gpt-4o",
    });
    expect(events[0]?.catalogVersion).toMatch(/^\d{4}\./);
    expect(meter.getHealth()).toMatchObject({ priced: 1, unpriced: 0 });
  });

  it("uses the event's timestamp for dated prices and its service tier", async () => {
    const { meter, events } = meterWith();
    const call = { provider: "openai", model: "o3", inputTokens: 1_000_000, outputTokens: 0 };
    meter.recordLlm({ ...call, timestamp: "2025-05-01T00:00:00Z" });
    meter.recordLlm({ ...call, timestamp: "2025-07-01T00:00:00Z" });
    meter.recordLlm({ ...call, timestamp: "2025-07-01T00:00:00Z", serviceTier: "flex" });
    await meter.flush();
    expect(events.map((event) => event.costUsd)).toEqual([10, 2, 1]);
  });

  it("leaves a caller's cost alone", async () => {
    const { meter, events } = meterWith();
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10, costUsd: 1.5 });
    await meter.flush();
    expect(events[0]).toMatchObject({ costUsd: 1.5, priceSource: "manual" });
  });

  it("turns off with pricing: false", async () => {
    const { meter, events } = meterWith({ pricing: false });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10_000 });
    await meter.flush();
    expect(events[0]?.costUsd).toBeUndefined();
    expect(events[0]?.priceSource).toBeUndefined();
  });

  it("counts unknown models as unpriced and reports each model once", async () => {
    const { meter, events, messages } = meterWith();
    for (let call = 0; call < 3; call += 1)
      meter.recordLlm({ provider: "acme", model: "acme-1", inputTokens: 10 });
    await meter.flush();
    expect(events.every((event) => event.costUsd === undefined)).toBe(true);
    expect(meter.getHealth().unpriced).toBe(3);
    expect(messages.filter((message) => message.includes('"acme-1"'))).toHaveLength(1);
  });

  it("reads the price file from LLMETER_PRICES and applies model aliases", async () => {
    const directory = mkdtempSync(join(tmpdir(), "llmeter-prices-"));
    const file = join(directory, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({
        aliases: { "team-model": "acme/acme-1" },
        prices: [{ provider: "acme", model: "acme-1", prices: { input: 1, output: 2 } }],
      }),
    );
    const { meter, events } = meterWith(
      { modelAliases: { "my-gpt4o-prod": "openai/gpt-4o" } },
      { LLMETER_PRICES: file },
    );
    meter.recordLlm({
      provider: "acme",
      model: "team-model",
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
    });
    meter.recordLlm({ provider: "azure", model: "my-gpt4o-prod", inputTokens: 1_000_000 });
    await meter.flush();
    expect(events[0]).toMatchObject({
      costUsd: 3,
      priceSource: "custom",
      priceEntryId: "acme/acme-1",
    });
    expect(events[1]).toMatchObject({ costUsd: 2.5, priceSource: "catalog" });
  });

  it("refuses a malformed price file with a ConfigError naming the file, entry and field", () => {
    const directory = mkdtempSync(join(tmpdir(), "llmeter-prices-"));
    const file = join(directory, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({ prices: [{ provider: "acme", model: "x", prices: { output: -1 } }] }),
    );
    expect(() => meterWith({}, { LLMETER_PRICES: file })).toThrow(ConfigError);
    expect(() => meterWith({}, { LLMETER_PRICES: file })).toThrow(
      /prices\.json: entry prices\[0\] \("acme\/x"\), field "prices\.output"/,
    );
  });
});

describe("a provider-reported cost", () => {
  const call = { provider: "xai", model: "grok-3", inputTokens: 1_000, outputTokens: 100 };

  it("is kept as the cost, with the catalog's price beside it as estimatedCostUsd", async () => {
    const { meter, events } = meterWith();
    meter.recordLlm({ ...call, costUsd: 0.005, priceSource: "provider" });
    await meter.flush();
    // grok-3 at $3 / $15 per million tokens: $0.003 + $0.0015.
    expect(events[0]).toMatchObject({
      costUsd: 0.005,
      priceSource: "provider",
      estimatedCostUsd: 0.0045,
    });
    expect(events[0]?.costBreakdown).toBeUndefined();
  });

  it("has no estimate when the catalog has no price, and stays the cost of record", async () => {
    const { meter, events } = meterWith();
    meter.recordLlm({
      ...call,
      model: "grok-nobody-prices",
      costUsd: 0.005,
      priceSource: "provider",
    });
    await meter.flush();
    expect(events[0]).toMatchObject({ costUsd: 0.005, priceSource: "provider" });
    expect(events[0]).not.toHaveProperty("estimatedCostUsd");
  });

  it("is not estimated when the caller set the cost (manual) or pricing is off", async () => {
    const manual = meterWith();
    manual.meter.recordLlm({ ...call, costUsd: 0.005 });
    await manual.meter.flush();
    expect(manual.events[0]).toMatchObject({ priceSource: "manual" });
    expect(manual.events[0]).not.toHaveProperty("estimatedCostUsd");
    const off = meterWith({ pricing: false });
    off.meter.recordLlm({ ...call, costUsd: 0.005, priceSource: "provider" });
    await off.meter.flush();
    expect(off.events[0]).not.toHaveProperty("estimatedCostUsd");
  });
});
