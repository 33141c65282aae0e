import { ApiError, GoogleGenAI } from "@google/genai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import type { MockProvider } from "../../src/testing/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

const model = "gemini-2.5-flash";
const contents = "Explain in one sentence why the sky is blue, please.";

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;
let bare: GoogleGenAI;
let instrumented: GoogleGenAI;

function clientFor(mock: MockProvider): GoogleGenAI {
  return new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: mock.geminiBaseUrl } });
}

/** A response without its HTTP headers object (which holds a Headers instance, not data). */
function withoutHttp(value: unknown): string {
  return comparable({ ...(value as object), sdkHttpResponse: undefined });
}

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 5, cachedShare: 0.5, reasoningTokens: 20 });
  collector = createCollectingMeter();
  bare = clientFor(mocks.bare);
  instrumented = instrumentGoogleGenAI(clientFor(mocks.instrumented), { meter: collector.meter });
});

afterEach(async () => {
  await mocks.close();
});

describe("instrumentGoogleGenAI", () => {
  it("records generateContent with cached, thinking and total tokens", async () => {
    const expected = await bare.models.generateContent({ model, contents });
    const actual = await instrumented.models.generateContent({ model, contents });
    expect(withoutHttp(actual)).toBe(withoutHttp(expected));
    expect(actual.text).toBe(expected.text);

    const usage = actual.usageMetadata!;
    expect(usage.thoughtsTokenCount).toBeGreaterThan(0);
    expect(usage.cachedContentTokenCount).toBeGreaterThan(0);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      provider: "google",
      model,
      responseModel: actual.modelVersion,
      requestId: actual.responseId,
      operation: "generate_content",
      inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
      outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
      totalTokens: usage.totalTokenCount,
      cacheReadTokens: usage.cachedContentTokenCount,
      reasoningTokens: usage.thoughtsTokenCount,
      streaming: false,
      success: true,
    });
    expect(event?.latencyMs).toBeGreaterThan(0);
    // Priced by the meter's default catalog. Gemini 2.5 Flash per million tokens: $0.30 input,
    // $0.03 cached input, $2.50 output including thinking (https://ai.google.dev/gemini-api/docs/pricing).
    const cached = usage.cachedContentTokenCount ?? 0;
    const expectedCost =
      (((usage.promptTokenCount ?? 0) - cached) * 0.3 +
        cached * 0.03 +
        ((usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0)) * 2.5) /
      1e6;
    expect(event?.costUsd).toBeCloseTo(expectedCost, 12);
    expect(collector.diagnostics).toEqual([]);
  });

  it("records generateContentStream with time to first token; the caller's chunks are unchanged", async () => {
    const expected = await collect(await bare.models.generateContentStream({ model, contents }));
    const actual = await collect(
      await instrumented.models.generateContentStream({ model, contents }),
    );
    expect(actual.map(withoutHttp)).toEqual(expected.map(withoutHttp));
    const usage = actual.findLast((chunk) => chunk.usageMetadata !== undefined)?.usageMetadata;
    expect(usage).toBeDefined();
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      streaming: true,
      chunks: actual.length,
      inputTokens: usage?.promptTokenCount,
      outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      cacheReadTokens: usage?.cachedContentTokenCount,
      success: true,
    });
    expect(event?.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it("records chats, which go through the same models", async () => {
    const chat = instrumented.chats.create({ model });
    const reply = await chat.sendMessage({ message: "Hello there" });
    const [event] = await collector.recorded();
    expect(event?.inputTokens).toBe(reply.usageMetadata?.promptTokenCount);
  });

  it("records embedContent as an embedding call", async () => {
    const expected = await bare.models.embedContent({
      model: "gemini-embedding-001",
      contents: ["a", "b c"],
    });
    const actual = await instrumented.models.embedContent({
      model: "gemini-embedding-001",
      contents: ["a", "b c"],
    });
    expect(withoutHttp(actual)).toBe(withoutHttp(expected));
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      kind: "embedding",
      operation: "embeddings",
      model: "gemini-embedding-001",
    });
    // The Gemini API reports no token count for embeddings: unknown stays unknown.
    expect(event?.inputTokens).toBeUndefined();
  });

  it("records HTTP errors and a stream left early", async () => {
    mocks.instrumented.setOptions({ failure: { status: 429 } });
    const error = await instrumented.models.generateContent({ model, contents }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApiError);

    const stream = await instrumented.models.generateContentStream({ model, contents });
    for await (const _chunk of stream) break;

    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ success: false, errorType: "ApiError" });
    expect(events[1]).toMatchObject({ success: false, errorType: "stream_abandoned", chunks: 1 });
  });
});
