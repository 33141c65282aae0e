import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { calculateCost } from "../../src/pricing/price-book.ts";
import type { MockProvider, MockReportedCost } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { collect, createCollectingMeter, startMockPair } from "./integration-helpers.ts";

// The catalog's grok-3 price ($3 in, $15 out per million tokens): a provider billing at it agrees
// with the estimate; one billing double does not.
const GROK_3 = { inputPerMillion: 3, outputPerMillion: 15 };
const messages = [
  { role: "user" as const, content: "What does a provider-reported cost look like?" },
];

let mocks: { bare: MockProvider; instrumented: MockProvider; close(): Promise<void> } | undefined;

afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

async function clientFor(provider: "xai" | "openrouter", reportedCost: MockReportedCost) {
  mocks = await startMockPair({ chunks: 3, reportedCost });
  const collector = createCollectingMeter();
  const client = instrumentOpenAI(
    new OpenAI({ baseURL: mocks.instrumented.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
    { meter: collector.meter, provider },
  );
  return { client, collector };
}

/** The catalog's price of the event's tokens, computed apart from the meter. */
function catalogCost(event: UsageEvent): number {
  const result = calculateCost(
    { inputTokens: event.inputTokens, outputTokens: event.outputTokens },
    { model: event.model, provider: event.provider },
  );
  expect(result).not.toBeNull();
  return result!.costUsd;
}

function billed(event: UsageEvent, rate: typeof GROK_3): number {
  return (
    ((event.inputTokens ?? 0) * rate.inputPerMillion +
      (event.outputTokens ?? 0) * rate.outputPerMillion) /
    1e6
  );
}

describe("xAI usage.cost_in_usd_ticks through the openai SDK", () => {
  it("a plain chat completion: the provider's cost is the cost of record, the estimate beside it", async () => {
    const { client, collector } = await clientFor("xai", { format: "xai", ...GROK_3 });
    const completion = await client.chat.completions.create({ model: "grok-3", messages });
    const ticks = (completion.usage as unknown as { cost_in_usd_ticks: number }).cost_in_usd_ticks;
    expect(Number.isInteger(ticks)).toBe(true);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ provider: "xai", priceSource: "provider" });
    expect(event?.costUsd).toBe(ticks / 1e10);
    expect(event?.estimatedCostUsd).toBeCloseTo(catalogCost(event!), 12);
    // A provider cost has no catalog breakdown or entry: those would describe the estimate.
    expect(event?.costBreakdown).toBeUndefined();
    expect(event?.priceEntryId).toBeUndefined();
  });

  it("a stream: the cost comes from the final usage chunk", async () => {
    const { client, collector } = await clientFor("xai", { format: "xai", ...GROK_3 });
    const chunks = await collect(
      await client.chat.completions.create({ model: "grok-3", messages, stream: true }),
    );
    // The usage chunk llmeter asked for on the caller's behalf stays hidden.
    expect(chunks.every((chunk) => chunk.usage == null)).toBe(true);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ streaming: true, priceSource: "provider" });
    expect(event?.costUsd).toBeCloseTo(billed(event!, GROK_3), 10);
    expect(event?.estimatedCostUsd).toBeCloseTo(catalogCost(event!), 12);
  });

  it("the Responses API, streamed: the cost comes from response.completed", async () => {
    const { client, collector } = await clientFor("xai", { format: "xai", ...GROK_3 });
    await collect(await client.responses.create({ model: "grok-3", input: "Hi", stream: true }));
    const [event] = await collector.recorded();
    expect(event?.priceSource).toBe("provider");
    expect(event?.costUsd).toBeCloseTo(billed(event!, GROK_3), 10);
    expect(event?.estimatedCostUsd).toBeCloseTo(catalogCost(event!), 12);
  });

  it("a provider billing double the catalog: its cost is kept, the estimate shows the gap", async () => {
    const double = { inputPerMillion: 6, outputPerMillion: 30 };
    const { client, collector } = await clientFor("xai", { format: "xai", ...double });
    await client.chat.completions.create({ model: "grok-3", messages });
    const [event] = await collector.recorded();
    expect(event?.costUsd).toBeCloseTo(billed(event!, double), 10);
    expect(event?.costUsd).toBeCloseTo(2 * event!.estimatedCostUsd!, 10);
  });
});

describe("OpenRouter usage.cost through the openai SDK", () => {
  it("a plain chat completion", async () => {
    const { client, collector } = await clientFor("openrouter", {
      format: "openrouter",
      ...GROK_3,
    });
    const completion = await client.chat.completions.create({ model: "x-ai/grok-3", messages });
    const cost = (completion.usage as unknown as { cost: number }).cost;
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ provider: "openrouter", priceSource: "provider", costUsd: cost });
    expect(event?.estimatedCostUsd).toBeCloseTo(catalogCost(event!), 12);
  });

  it("a stream not asking for usage: nothing is injected or hidden, the caller sees what OpenRouter sends", async () => {
    const { client, collector } = await clientFor("openrouter", {
      format: "openrouter",
      ...GROK_3,
    });
    const bare = new OpenAI({ baseURL: mocks!.bare.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
    const request = { model: "x-ai/grok-3", messages, stream: true } as const;
    const expected = await collect(await bare.chat.completions.create(request));
    const chunks = await collect(await client.chat.completions.create(request));
    expect(chunks).toEqual(expected);
    const usage = chunks.at(-1)?.usage as unknown as { cost: number };
    expect(usage.cost).toBeGreaterThan(0);
    expect(mocks!.instrumented.requests.at(-1)?.body).not.toHaveProperty("stream_options");
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ priceSource: "provider", costUsd: usage.cost });
  });

  it("a stream asking for usage", async () => {
    const { client, collector } = await clientFor("openrouter", {
      format: "openrouter",
      ...GROK_3,
    });
    await collect(
      await client.chat.completions.create({
        model: "x-ai/grok-3",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ streaming: true, priceSource: "provider" });
    expect(event?.costUsd).toBeCloseTo(billed(event!, GROK_3), 12);
    expect(event?.estimatedCostUsd).toBeCloseTo(catalogCost(event!), 12);
  });
});

describe("a server that reports no cost", () => {
  it("is priced from the catalog, with no estimate field", async () => {
    mocks = await startMockPair({ chunks: 3 });
    const collector = createCollectingMeter();
    const client = instrumentOpenAI(
      new OpenAI({ baseURL: mocks.instrumented.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter: collector.meter, provider: "xai" },
    );
    await client.chat.completions.create({ model: "grok-3", messages });
    const [event] = await collector.recorded();
    expect(event?.priceSource).toBe("catalog");
    expect(event?.estimatedCostUsd).toBeUndefined();
  });
});
