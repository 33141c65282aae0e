import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import {
  embed,
  embedMany,
  generateText,
  Output,
  streamText,
  wrapEmbeddingModel,
  wrapLanguageModel,
} from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  llmeterEmbeddingMiddleware,
  llmeterMiddleware,
} from "../../src/integrations/ai-sdk/index.ts";
import { withAttribution } from "../../src/meter/attribution.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import {
  createRecordingFetch,
  type RecordingFetch,
} from "../integrations-langchain/server-usage.ts";
import { createTestMeter, type TestMeter, testCost } from "../integrations-langchain/test-meter.ts";

let mock: MockProvider;
let server: RecordingFetch;
let metered: TestMeter;

beforeAll(async () => {
  mock = await startMockProvider({ chunks: 6 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  server = createRecordingFetch();
  metered = createTestMeter();
});

function openaiProvider(headers: Record<string, string> = {}) {
  return createOpenAI({
    baseURL: mock.openaiBaseUrl,
    apiKey: "test-key",
    fetch: server.fetch,
    headers,
  });
}

function chatModel(headers: Record<string, string> = {}) {
  return wrapLanguageModel({
    model: openaiProvider(headers).chat("gpt-4o-mini"),
    middleware: llmeterMiddleware({ meter: metered.meter }),
  });
}

describe("llmeterMiddleware with @ai-sdk/openai", () => {
  it("records generateText with the tokens the server reported, priced", async () => {
    const result = await withAttribution({ userId: "u-1" }, () =>
      generateText({ model: chatModel(), prompt: "What is the capital of France?", maxRetries: 0 }),
    );
    const [reported] = await server.settled();
    const events = await metered.events();

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(reported?.inputTokens).toBeGreaterThan(0);
    expect(event).toMatchObject({
      kind: "llm",
      provider: "openai",
      model: "gpt-4o-mini",
      requestId: reported?.id,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      totalTokens: (reported?.inputTokens ?? 0) + (reported?.outputTokens ?? 0),
      streaming: false,
      success: true,
      userId: "u-1",
    });
    expect(event.responseModel).toMatch(/^gpt-4o-mini/);
    expect(event.costUsd).toBeCloseTo(
      testCost(reported!.inputTokens!, reported!.outputTokens!),
      12,
    );
    // The application sees the same usage the event has.
    expect(result.usage.inputTokens).toBe(event.inputTokens);
  });

  it("records streamText with time to first chunk and the finish usage", async () => {
    const result = streamText({ model: chatModel(), prompt: "Tell me a story", maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    const [reported] = await server.settled();
    const [event] = await metered.events();

    expect(text.length).toBeGreaterThan(0);
    expect(event).toMatchObject({
      streaming: true,
      requestId: reported?.id,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      success: true,
    });
    expect(event?.chunks).toBeGreaterThanOrEqual(6);
    expect(event?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(event?.timeToFirstTokenMs).toBeLessThanOrEqual(event?.latencyMs ?? -1);
  });

  it("records structured output (generateText with Output.object, v7's generateObject)", async () => {
    mock.setOptions({ replyWords: 4 });
    const outcome = await generateText({
      model: chatModel(),
      output: Output.object({ schema: z.object({ answer: z.string() }) }),
      prompt: "Answer in JSON",
      maxRetries: 0,
    }).catch((error: unknown) => error);
    mock.setOptions({ replyWords: 16 });
    const [reported] = await server.settled();
    const [event] = await metered.events();

    // The mock answers in words, not JSON: the SDK may reject the object, but the call happened
    // and was billed, so it is recorded with the server's tokens either way.
    expect(outcome).toBeDefined();
    expect(event).toMatchObject({
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
    });
  });

  it("records a failed call and rethrows the SDK's error", async () => {
    const failure = await generateText({
      model: chatModel({ "x-mock-fail": "500" }),
      prompt: "fail",
      maxRetries: 0,
    }).catch((error: unknown) => error);
    const events = await metered.events();

    expect(failure).toBeInstanceOf(Error);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, provider: "openai" });
    expect(events[0]?.errorType).toEqual(expect.any(String));
  });

  it("records a broken stream as failed", async () => {
    const result = streamText({
      model: chatModel({ "x-mock-fail": "broken-stream" }),
      prompt: "break",
      maxRetries: 0,
      onError: () => {},
    });
    await result.consumeStream();
    const events = await metered.events();

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, streaming: true });
  });

  it("records a stream the caller aborts part-way, with what it received", async () => {
    mock.setOptions({ chunkDelayMs: 20 });
    const controller = new AbortController();
    try {
      const result = streamText({
        model: chatModel(),
        prompt: "A long story",
        maxRetries: 0,
        abortSignal: controller.signal,
        onError: () => {},
      });
      for await (const _delta of result.textStream) {
        controller.abort();
      }
    } catch {
      // The SDK may surface the abort to the reader.
    } finally {
      mock.setOptions({ chunkDelayMs: 0 });
    }
    const events = await metered.events();

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, streaming: true });
    expect(events[0]?.chunks).toBeGreaterThanOrEqual(1);
    expect(events[0]?.chunks).toBeLessThan(6);
  });

  it("uses the global meter at call time when none is given", async () => {
    const { setGlobalMeter } = await import("../../src/meter/global-meter.ts");
    const model = wrapLanguageModel({
      model: openaiProvider().chat("gpt-4o-mini"),
      middleware: llmeterMiddleware(),
    });
    setGlobalMeter(metered.meter);
    try {
      await generateText({ model, prompt: "global", maxRetries: 0 });
    } finally {
      setGlobalMeter(undefined);
    }
    await generateText({ model, prompt: "no meter now", maxRetries: 0 });
    expect(await metered.events()).toHaveLength(1);
  });

  it("records embed and embedMany, one event per provider call", async () => {
    const model = wrapEmbeddingModel({
      model: openaiProvider().embedding("text-embedding-3-small"),
      middleware: llmeterEmbeddingMiddleware({ meter: metered.meter }),
    });
    await embed({ model, value: "hello world", maxRetries: 0 });
    await embedMany({ model, values: ["one", "two", "three"], maxRetries: 0 });
    const reported = await server.settled();
    const events = await metered.events();

    expect(events).toHaveLength(2);
    for (const [index, event] of events.entries()) {
      expect(event).toMatchObject({
        kind: "embedding",
        operation: "embeddings",
        provider: "openai",
        model: "text-embedding-3-small",
        inputTokens: reported[index]?.inputTokens,
      });
    }
  });
});

describe("llmeterMiddleware with @ai-sdk/anthropic", () => {
  it("records cache reads and writes from the SDK's usage", async () => {
    const anthropic = createAnthropic({
      baseURL: `${mock.anthropicBaseUrl}/v1`,
      apiKey: "test-key",
      fetch: server.fetch,
    });
    const model = wrapLanguageModel({
      model: anthropic("claude-sonnet-4-5"),
      middleware: llmeterMiddleware({ meter: metered.meter }),
    });
    mock.setOptions({ cachedShare: 0.5 });
    try {
      await generateText({ model, prompt: "Explain prompt caching, please.", maxRetries: 0 });
    } finally {
      mock.setOptions({ cachedShare: 0 });
    }
    const [reported] = await server.settled();
    const [event] = await metered.events();

    expect(reported?.cacheReadTokens).toBeGreaterThan(0);
    expect(event).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      cacheReadTokens: reported?.cacheReadTokens,
    });
  });
});
