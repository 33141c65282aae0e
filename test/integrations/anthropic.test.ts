import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import type { MockProvider } from "../../src/testing/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

// A model the SDK does not warn about, so test output stays quiet.
const model = "claude-opus-4-1";

/** A prompt with two cache breakpoints: a 1-hour one on the system prompt, a 5-minute one after. */
const cachedBody = {
  model,
  max_tokens: 256,
  system: [
    {
      type: "text" as const,
      text: "You are a careful assistant. ".repeat(20),
      cache_control: { type: "ephemeral" as const, ttl: "1h" as const },
    },
  ],
  messages: [
    {
      role: "user" as const,
      content: [
        {
          type: "text" as const,
          text: "Here is a long document to remember. ".repeat(10),
          cache_control: { type: "ephemeral" as const },
        },
        { type: "text" as const, text: "What is in it?" },
      ],
    },
  ],
};

const simpleBody = {
  model,
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "Say hello." }],
};

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;
let bare: Anthropic;
let instrumented: Anthropic;

function clientFor(mock: MockProvider): Anthropic {
  return new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "test", maxRetries: 0 });
}

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 5, cachedShare: 0.25 });
  collector = createCollectingMeter();
  bare = clientFor(mocks.bare);
  instrumented = instrumentAnthropic(clientFor(mocks.instrumented), { meter: collector.meter });
});

afterEach(async () => {
  await mocks.close();
});

describe("instrumentAnthropic", () => {
  it("adds cache reads and writes to input tokens and keeps 5-minute and 1-hour writes apart", async () => {
    const expected = await bare.messages.create(cachedBody);
    const actual = await instrumented.messages.create(cachedBody);
    expect(comparable(actual)).toBe(comparable(expected));

    const usage = actual.usage;
    const write5m = usage.cache_creation?.ephemeral_5m_input_tokens ?? 0;
    const write1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
    expect(write5m).toBeGreaterThan(0);
    expect(write1h).toBeGreaterThan(0);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      provider: "anthropic",
      model,
      responseModel: actual.model,
      operation: "chat",
      inputTokens:
        usage.input_tokens +
        (usage.cache_read_input_tokens ?? 0) +
        (usage.cache_creation_input_tokens ?? 0),
      outputTokens: usage.output_tokens,
      cacheReadTokens: usage.cache_read_input_tokens,
      cacheWrite5mTokens: write5m,
      cacheWrite1hTokens: write1h,
      serviceTier: "standard",
      streaming: false,
      success: true,
    });
    expect(event?.cacheWriteTokens).toBeUndefined();
    expect(event?.latencyMs).toBeGreaterThan(0);
    // Priced by the meter's default catalog. Claude Opus 4.1 per million tokens: $15 input, $1.50
    // cache read, $18.75 5-minute cache write, $30 1-hour cache write, $75 output
    // (https://docs.claude.com/en/docs/about-claude/pricing): the two write durations priced apart.
    const uncached = usage.input_tokens;
    const expectedCost =
      (uncached * 15 +
        (usage.cache_read_input_tokens ?? 0) * 1.5 +
        write5m * 18.75 +
        write1h * 30 +
        usage.output_tokens * 75) /
      1e6;
    expect(event?.costUsd).toBeCloseTo(expectedCost, 12);
    expect(collector.diagnostics).toEqual([]);
  });

  it("records thinking tokens as reasoning inside output tokens", async () => {
    const body = {
      ...simpleBody,
      max_tokens: 2048,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
    };
    const message = await instrumented.messages.create(body);
    const [event] = await collector.recorded();
    const thinking = message.usage.output_tokens_details?.thinking_tokens;
    expect(thinking).toBeGreaterThan(0);
    expect(event?.reasoningTokens).toBe(thinking);
    expect(event?.outputTokens).toBe(message.usage.output_tokens);
  });

  it("records a streamed create with time to first token, and leaves the events unchanged", async () => {
    const expected = await collect(await bare.messages.create({ ...cachedBody, stream: true }));
    const actual = await collect(
      await instrumented.messages.create({ ...cachedBody, stream: true }),
    );
    expect(actual.map(comparable)).toEqual(expected.map(comparable));

    const start = actual.find((event) => event.type === "message_start");
    const delta = actual.findLast((event) => event.type === "message_delta");
    if (start?.type !== "message_start" || delta?.type !== "message_delta")
      throw new Error("no usage events");
    const startUsage = start.message.usage;
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      streaming: true,
      chunks: actual.length,
      responseModel: start.message.model,
      inputTokens:
        (delta.usage.input_tokens ?? startUsage.input_tokens) +
        (delta.usage.cache_read_input_tokens ?? startUsage.cache_read_input_tokens ?? 0) +
        (delta.usage.cache_creation_input_tokens ?? startUsage.cache_creation_input_tokens ?? 0),
      outputTokens: delta.usage.output_tokens,
      cacheWrite1hTokens: startUsage.cache_creation?.ephemeral_1h_input_tokens,
      success: true,
    });
    expect(event?.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(event?.timeToFirstTokenMs).toBeLessThanOrEqual(event?.latencyMs ?? 0);
  });

  it("keeps messages.stream() and its final message working", async () => {
    const expected = await bare.messages.stream(simpleBody).finalMessage();
    const stream = instrumented.messages.stream(simpleBody);
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const actual = await stream.finalMessage();
    expect(comparable(actual)).toBe(comparable(expected));
    const block = actual.content[0];
    expect(text).toBe(block?.type === "text" ? block.text : undefined);
    const [event] = await collector.recorded();
    expect(collector.events).toHaveLength(1);
    expect(event).toMatchObject({
      streaming: true,
      inputTokens: actual.usage.input_tokens + (actual.usage.cache_read_input_tokens ?? 0),
      outputTokens: actual.usage.output_tokens,
    });
  });

  it("records HTTP errors with their type and re-throws them unchanged", async () => {
    mocks.instrumented.setOptions({ failure: { status: 429 } });
    await expect(instrumented.messages.create(simpleBody)).rejects.toBeInstanceOf(
      Anthropic.RateLimitError,
    );
    mocks.instrumented.setOptions({ failure: { status: 500 } });
    await expect(
      instrumented.messages.create({ ...simpleBody, stream: true }),
    ).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    const events = await collector.recorded();
    expect(events.map((event) => [event.success, event.errorType])).toEqual([
      [false, "RateLimitError"],
      [false, "InternalServerError"],
    ]);
  });

  it("records a stream the caller leaves early with the usage known so far", async () => {
    const stream = await instrumented.messages.create({ ...cachedBody, stream: true });
    let inputFromStart: number | undefined;
    for await (const event of stream) {
      if (event.type === "message_start") {
        const usage = event.message.usage;
        inputFromStart =
          usage.input_tokens +
          (usage.cache_read_input_tokens ?? 0) +
          (usage.cache_creation_input_tokens ?? 0);
      }
      if (event.type === "content_block_delta") break;
    }
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      success: false,
      errorType: "stream_abandoned",
      inputTokens: inputFromStart,
    });
  });

  it("records a stream broken by the server", async () => {
    const stream = await instrumented.messages.create(
      { ...simpleBody, stream: true },
      { headers: { "x-mock-fail": "broken-stream" } },
    );
    const failure = await collect(stream).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(failure).toBeInstanceOf(Error);
    const [event] = await collector.recorded();
    expect(event?.success).toBe(false);
    expect(event?.errorType).toBeTruthy();
  });
});
