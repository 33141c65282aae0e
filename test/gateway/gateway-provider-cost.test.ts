import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { calculateCost } from "../../src/pricing/price-book.ts";
import type { MockReportedCost } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { collect, type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

// A provider billing 10 % above the catalog's grok-3 price ($3 / $15 per million tokens), so the
// cost of record and the estimate differ and each can be told apart.
const ABOVE_CATALOG = { inputPerMillion: 3.3, outputPerMillion: 16.5 };
const messages = [{ role: "user" as const, content: "Through the gateway, with a billed cost." }];
let rig: GatewayRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function through(route: "xai" | "openrouter", reportedCost: MockReportedCost) {
  rig = await startGatewayRig({ chunks: 4, reportedCost });
  return new OpenAI({
    baseURL: `${rig.gateway.url}/${route}/v1`,
    apiKey: "sk-provider-cost-secret-0123456789",
    maxRetries: 0,
  });
}

function expectProviderCost(event: UsageEvent | undefined, provider: string): void {
  expect(event).toMatchObject({ provider, priceSource: "provider", success: true });
  const billed =
    ((event?.inputTokens ?? 0) * ABOVE_CATALOG.inputPerMillion +
      (event?.outputTokens ?? 0) * ABOVE_CATALOG.outputPerMillion) /
    1e6;
  const catalog = calculateCost(
    { inputTokens: event?.inputTokens, outputTokens: event?.outputTokens },
    { model: event!.model, provider },
  );
  expect(event?.costUsd).toBeCloseTo(billed, 10);
  expect(event?.estimatedCostUsd).toBeCloseTo(catalog!.costUsd, 12);
  expect(event?.costUsd).toBeCloseTo(1.1 * event!.estimatedCostUsd!, 10);
}

describe("the gateway's /xai/v1 and /openrouter/v1 routes read the provider's cost", () => {
  it("xAI, plain: cost_in_usd_ticks is the cost of record in the ledger", async () => {
    const client = await through("xai", { format: "xai", ...ABOVE_CATALOG });
    await client.chat.completions.create({ model: "grok-3", messages });
    const events = await rig!.ledgerEvents();
    expect(events).toHaveLength(1);
    expectProviderCost(events[0], "xai");
    expect(JSON.stringify(events)).not.toContain("provider-cost-secret");
  });

  it("xAI, streamed", async () => {
    const client = await through("xai", { format: "xai", ...ABOVE_CATALOG });
    await collect(
      await client.chat.completions.create({ model: "grok-3", messages, stream: true }),
    );
    const [event] = await rig!.ledgerEvents();
    expect(event?.streaming).toBe(true);
    expectProviderCost(event, "xai");
  });

  it("OpenRouter, plain", async () => {
    const client = await through("openrouter", { format: "openrouter", ...ABOVE_CATALOG });
    await client.chat.completions.create({ model: "x-ai/grok-3", messages });
    const [event] = await rig!.ledgerEvents();
    expectProviderCost(event, "openrouter");
  });

  it("OpenRouter, streamed: its usage chunk reaches the client (nothing injected, nothing hidden)", async () => {
    const client = await through("openrouter", { format: "openrouter", ...ABOVE_CATALOG });
    const chunks = await collect(
      await client.chat.completions.create({ model: "x-ai/grok-3", messages, stream: true }),
    );
    expect((chunks.at(-1)?.usage as unknown as { cost?: number })?.cost).toBeGreaterThan(0);
    expect(rig!.upstream.requests.at(-1)?.body).not.toHaveProperty("stream_options");
    const [event] = await rig!.ledgerEvents();
    expect(event?.streaming).toBe(true);
    expectProviderCost(event, "openrouter");
  });
});
