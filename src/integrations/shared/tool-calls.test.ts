import { describe, expect, it } from "vitest";
import { createPriceBook } from "../../pricing/price-book.ts";
import { normalizeUsageEvent } from "../../usage/normalize-usage-event.ts";
import { anthropicToolCalls } from "../anthropic/anthropic-usage.ts";
import { googleToolCalls } from "../google/google-usage.ts";
import { chatToolCalls, responsesToolCalls } from "../openai/openai-usage.ts";

// Payloads field for field from the API references: OpenAI Responses output items
// (https://platform.openai.com/docs/api-reference/responses/object), Gemini GroundingMetadata
// (https://ai.google.dev/api/generate-content#GroundingMetadata), xAI chat usage
// (https://docs.x.ai/docs/guides/live-search) and Anthropic usage (https://docs.claude.com/en/api/messages).
const responsesResult = {
  id: "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
  object: "response",
  status: "completed",
  model: "gpt-5-2025-08-07",
  output: [
    {
      type: "web_search_call",
      id: "ws_67ccf18f64008190a39b619f4c8455ef",
      status: "completed",
      action: { type: "search", query: "positive news today" },
    },
    {
      type: "web_search_call",
      id: "ws_67ccf18f64008190a39b619f4c8455f0",
      status: "completed",
      action: { type: "open_page", url: "https://example.com/news" },
    },
    {
      type: "file_search_call",
      id: "fs_67ccf18f64008190a39b619f4c8455f1",
      status: "completed",
      queries: ["What is deep research?"],
      results: null,
    },
    {
      type: "code_interpreter_call",
      id: "ci_1",
      status: "completed",
      container_id: "cntr_68b5e1c1d0c08190a1b1f2e3d4c5b6a7",
      code: "print(2 + 2)",
      outputs: null,
    },
    {
      type: "code_interpreter_call",
      id: "ci_2",
      status: "completed",
      container_id: "cntr_68b5e1c1d0c08190a1b1f2e3d4c5b6a7",
      code: "print(3 + 3)",
      outputs: null,
    },
    { type: "image_generation_call", id: "ig_1", status: "completed", result: "iVBORw0KGgo=" },
    {
      type: "message",
      id: "msg_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Done.", annotations: [] }],
    },
  ],
  usage: {
    input_tokens: 328,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 356,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 684,
  },
};

const groundedCandidate = {
  content: { parts: [{ text: "Spain won Euro 2024." }], role: "model" },
  finishReason: "STOP",
  index: 0,
  groundingMetadata: {
    webSearchQueries: ["UEFA Euro 2024 winner", "who won euro 2024"],
    searchEntryPoint: { renderedContent: "<!-- HTML and CSS for the search widget -->" },
    groundingChunks: [
      { web: { uri: "https://vertexaisearch.cloud.google.com/x", title: "aljazeera.com" } },
    ],
    groundingSupports: [
      {
        segment: { startIndex: 0, endIndex: 20, text: "Spain won Euro 2024." },
        groundingChunkIndices: [0],
      },
    ],
  },
};

const xaiUsage = {
  prompt_tokens: 12,
  completion_tokens: 190,
  total_tokens: 202,
  prompt_tokens_details: { text_tokens: 12, audio_tokens: 0, image_tokens: 0, cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  num_sources_used: 3,
  num_server_side_tools_used: 2,
};

describe("tool-call extraction", () => {
  it("counts OpenAI Responses tool items, code interpreter by distinct container", () => {
    expect(responsesToolCalls(responsesResult)).toEqual({
      webSearch: 2,
      fileSearch: 1,
      codeExecutionContainers: 1,
      imageGeneration: 1,
    });
  });

  it("takes the billed tool_usage.web_search.num_requests over counting items", () => {
    const withToolUsage = {
      ...responsesResult,
      tool_usage: {
        image_gen: { input_tokens: 0, input_tokens_details: {}, output_tokens: 0, total_tokens: 0 },
        web_search: { num_requests: 3 },
      },
    };
    expect(responsesToolCalls(withToolUsage)?.webSearch).toBe(3);
  });

  it("counts Gemini search queries and one grounded prompt", () => {
    expect(googleToolCalls([groundedCandidate])).toEqual({ webSearch: 2, groundedPrompts: 1 });
    expect(
      googleToolCalls([{ ...groundedCandidate, groundingMetadata: undefined }]),
    ).toBeUndefined();
  });

  it("reads xAI's live-search sources and server-side tool calls from chat usage", () => {
    expect(chatToolCalls(xaiUsage)).toEqual({ liveSearchSources: 3, serverSideTools: 2 });
    expect(chatToolCalls({ prompt_tokens: 1, completion_tokens: 1 })).toBeUndefined();
  });

  it("reads Anthropic server_tool_use and the container", () => {
    expect(
      anthropicToolCalls(
        {
          input_tokens: 10,
          output_tokens: 5,
          server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 },
        },
        { id: "container_011CRf7vAT2m4qXvUexfMEzA" },
      ),
    ).toEqual({ webSearch: 2, codeExecutionContainers: 1 });
  });
});

describe("tool fees", () => {
  const diagnostics: string[] = [];
  const book = createPriceBook({ diagnostics: (_level, message) => diagnostics.push(message) });
  const tokensOnly = (model: string, provider: string) =>
    book.calculateCost({ inputTokens: 1000, outputTokens: 100 }, { model, provider })
      ?.costNanoUsd ?? Number.NaN;

  it("adds OpenAI web search ($10/1k), file search ($2.50/1k) and a container ($0.03)", () => {
    const result = book.calculateCost(
      {
        inputTokens: 1000,
        outputTokens: 100,
        toolCalls: { webSearch: 2, fileSearch: 1, codeExecutionContainers: 1 },
      },
      { model: "gpt-5", provider: "openai" },
    );
    expect(result?.breakdown.tools).toBe(0.0525);
    expect(result?.costNanoUsd).toBe(tokensOnly("gpt-5", "openai") + 52_500_000);
  });

  it("prices Gemini grounding by model: per prompt on 2.5, per query on 3", () => {
    const toolCalls = { webSearch: 2, groundedPrompts: 1 };
    const flash25 = book.calculateCost(
      { inputTokens: 1000, outputTokens: 100, toolCalls },
      { model: "gemini-2.5-flash", provider: "google" },
    );
    const pro3 = book.calculateCost(
      { inputTokens: 1000, outputTokens: 100, toolCalls },
      { model: "gemini-3-pro-preview", provider: "google" },
    );
    expect(flash25?.costNanoUsd).toBe(tokensOnly("gemini-2.5-flash", "google") + 35_000_000);
    expect(pro3?.costNanoUsd).toBe(tokensOnly("gemini-3-pro-preview", "google") + 28_000_000);
  });

  it("prices xAI sources and warns about its unverified server-side tool price", () => {
    const result = book.calculateCost(
      {
        inputTokens: 1000,
        outputTokens: 100,
        toolCalls: { liveSearchSources: 3, serverSideTools: 2 },
      },
      { model: "grok-4", provider: "xai" },
    );
    expect(result?.costNanoUsd).toBe(tokensOnly("grok-4", "xai") + 75_000_000);
    expect(diagnostics.join("\n")).toContain('xai tool "serverSideTools"');
  });
});

describe("toolCalls normalization", () => {
  it("keeps whole non-negative counts and drops unknown keys and bad values with a message", () => {
    const { event, problems } = normalizeUsageEvent({
      provider: "openai",
      model: "gpt-5",
      toolCalls: { webSearch: 2, telepathy: 1, fileSearch: -1, imageGeneration: Number.NaN },
    });
    expect(event.toolCalls).toEqual({ webSearch: 2 });
    expect(problems).toEqual([
      expect.stringContaining("toolCalls.telepathy: not a known tool"),
      expect.stringContaining("toolCalls.fileSearch: expected a non-negative finite count"),
      expect.stringContaining("toolCalls.imageGeneration: expected a non-negative finite count"),
    ]);
  });
});
