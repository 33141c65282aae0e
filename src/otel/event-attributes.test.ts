import { describe, expect, it } from "vitest";
import type { UsageEvent } from "../usage/usage-event.ts";
import { eventAttributes } from "./event-attributes.ts";

const event: UsageEvent = {
  id: "0190a1b2-0000-7000-8000-000000000001",
  timestamp: "2026-12-01T10:00:00.000Z",
  kind: "llm",
  operation: "chat",
  provider: "xai",
  model: "grok-3",
  success: true,
  inputTokens: 1000,
  outputTokens: 100,
};
const options = { legacyAttributes: false, captureContent: false };

describe("eventAttributes and a provider-reported cost", () => {
  it("gives the provider's cost as the amount and the catalog's estimate beside it", () => {
    const attributes = eventAttributes(
      { ...event, costUsd: 0.0054, priceSource: "provider", estimatedCostUsd: 0.0045 },
      options,
    );
    expect(attributes).toMatchObject({
      "gen_ai.usage.cost.amount": 0.0054,
      "gen_ai.usage.cost.source": "provider",
      "llmeter.price.estimated_cost_usd": 0.0045,
    });
  });

  it("has no estimate attribute for a catalog-priced call", () => {
    const attributes = eventAttributes(
      { ...event, costUsd: 0.0045, priceSource: "catalog" },
      options,
    );
    expect(attributes).not.toHaveProperty("llmeter.price.estimated_cost_usd");
  });
});
