import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { calculateCost } from "../../src/pricing/price-book.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import {
  type CollectingMeter,
  collect,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

const model = "claude-opus-4-1";

// The tool definitions of https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool
// and .../code-execution-tool; the mock runs each server tool `max_uses` times.
const body = {
  model,
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "What changed in the news today?" }],
  tools: [
    { type: "web_search_20250305" as const, name: "web_search" as const, max_uses: 2 },
    { type: "web_fetch_20250910" as const, name: "web_fetch" as const, max_uses: 1 },
  ],
};

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;
let client: Anthropic;

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 3 });
  collector = createCollectingMeter();
  client = instrumentAnthropic(
    new Anthropic({ baseURL: mocks.instrumented.anthropicBaseUrl, apiKey: "test", maxRetries: 0 }),
    { meter: collector.meter },
  );
});

afterEach(async () => {
  await mocks.close();
});

/** Tokens at the catalog price plus the tool fees, computed by hand: 2 searches at $10 per 1,000. */
function expectTokensPlusSearches(event: UsageEvent): void {
  const tokens = calculateCost(
    {
      inputTokens: event.inputTokens,
      outputTokens: event.outputTokens,
      cacheReadTokens: event.cacheReadTokens,
    },
    { model, provider: "anthropic" },
  );
  expect(tokens).not.toBeNull();
  expect(event.costBreakdown?.tools).toBe(0.02);
  expect(Math.round((event.costUsd ?? 0) * 1e9)).toBe((tokens?.costNanoUsd ?? 0) + 20_000_000);
}

describe("Anthropic server tools", () => {
  it("counts web searches and fetches from usage.server_tool_use and prices the searches", async () => {
    const message = await client.messages.create(body);
    expect(message.usage.server_tool_use).toEqual({
      web_search_requests: 2,
      web_fetch_requests: 1,
    });
    const [event] = await collector.recorded();
    expect(event?.toolCalls).toEqual({ webSearch: 2, webFetch: 1 });
    expectTokensPlusSearches(event!);
  });

  it("counts them the same from a stream", async () => {
    await collect(await client.messages.create({ ...body, stream: true }));
    const [event] = await collector.recorded();
    expect(event?.streaming).toBe(true);
    expect(event?.toolCalls).toEqual({ webSearch: 2, webFetch: 1 });
    expectTokensPlusSearches(event!);
  });

  it("counts the code-execution container and warns that its hourly price is not per call", async () => {
    const request = {
      ...body,
      tools: [{ type: "code_execution_20250825" as const, name: "code_execution" as const }],
    };
    const message = await client.messages.create(request);
    expect(message.container?.id).toMatch(/^container_/);
    await collect(await client.messages.create({ ...request, stream: true }));
    const events = await collector.recorded();
    expect(events.map((event) => event.toolCalls)).toEqual([
      { codeExecutionContainers: 1 },
      { codeExecutionContainers: 1 },
    ]);
    // Tokens are still priced; the container's part is missing and said so, never a silent $0.
    expect(events[0]?.costUsd).toBeGreaterThan(0);
    expect(events[0]?.costBreakdown?.tools).toBeUndefined();
    expect(collector.diagnostics.join("\n")).toContain('anthropic tool "codeExecutionContainers"');
  });
});

describe("OpenAI Responses built-in tools", () => {
  const tools = [
    { type: "web_search" as const },
    { type: "file_search" as const, vector_store_ids: ["vs_1234567890"] },
    { type: "code_interpreter" as const, container: { type: "auto" as const } },
  ];

  function openai(): OpenAI {
    return instrumentOpenAI(
      new OpenAI({ baseURL: mocks.instrumented.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter: collector.meter },
    );
  }

  // gpt-5: $10 per 1,000 web searches, $2.50 per 1,000 file searches, $0.03 per container.
  function expectToolFees(event: UsageEvent | undefined): void {
    expect(event?.toolCalls).toEqual({ webSearch: 1, fileSearch: 1, codeExecutionContainers: 1 });
    expect(event?.costBreakdown?.tools).toBe(0.0425);
    const tokens = calculateCost(
      {
        inputTokens: event?.inputTokens,
        outputTokens: event?.outputTokens,
        cacheReadTokens: event?.cacheReadTokens,
        reasoningTokens: event?.reasoningTokens,
      },
      { model: "gpt-5", provider: "openai" },
    );
    expect(Math.round((event?.costUsd ?? 0) * 1e9)).toBe((tokens?.costNanoUsd ?? 0) + 42_500_000);
  }

  it("counts the tool items of a plain response", async () => {
    const response = await openai().responses.create({
      model: "gpt-5",
      input: "Look it up.",
      tools,
    });
    expect(response.output.map((item) => item.type)).toContain("web_search_call");
    expectToolFees((await collector.recorded())[0]);
  });

  it("counts them from the response.completed event of a stream", async () => {
    await collect(
      await openai().responses.create({
        model: "gpt-5",
        input: "Look it up.",
        tools,
        stream: true,
      }),
    );
    const [event] = await collector.recorded();
    expect(event?.streaming).toBe(true);
    expectToolFees(event);
  });
});

describe("Gemini grounding with Google Search", () => {
  function gemini(): GoogleGenAI {
    return instrumentGoogleGenAI(
      new GoogleGenAI({
        apiKey: "test",
        httpOptions: { baseUrl: mocks.instrumented.geminiBaseUrl },
      }),
      { meter: collector.meter },
    );
  }
  const request = (model: string) => ({
    model,
    contents: "Who won Euro 2024?",
    config: { tools: [{ googleSearch: {} }] },
  });

  // The mock's grounding runs 2 queries: Gemini 2.5 bills the grounded prompt ($35 per 1,000),
  // Gemini 3 each query ($14 per 1,000).
  async function expectGrounding(model: string, feeNano: number): Promise<void> {
    const [event] = await collector.recorded();
    expect(event?.toolCalls).toEqual({ webSearch: 2, groundedPrompts: 1 });
    const tokens = calculateCost(
      {
        inputTokens: event?.inputTokens,
        outputTokens: event?.outputTokens,
        cacheReadTokens: event?.cacheReadTokens,
        reasoningTokens: event?.reasoningTokens,
      },
      { model, provider: "google" },
    );
    expect(Math.round((event?.costUsd ?? 0) * 1e9)).toBe((tokens?.costNanoUsd ?? 0) + feeNano);
  }

  it("counts the queries of a plain response (Gemini 2.5: one grounded prompt)", async () => {
    const response = await gemini().models.generateContent(request("gemini-2.5-flash"));
    expect(response.candidates?.[0]?.groundingMetadata?.webSearchQueries).toHaveLength(2);
    await expectGrounding("gemini-2.5-flash", 35_000_000);
  });

  it("counts them from a stream (Gemini 3: per query)", async () => {
    await collect(await gemini().models.generateContentStream(request("gemini-3-pro-preview")));
    await expectGrounding("gemini-3-pro-preview", 28_000_000);
  });
});
