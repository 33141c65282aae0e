import { describe, expect, it } from "vitest";
import {
  chatUsageToTokens,
  embeddingUsageToTokens,
  reportedCostUsd,
  responsesUsageToTokens,
} from "./openai-usage.ts";

describe("chatUsageToTokens", () => {
  it("maps OpenAI usage one to one: cached inside prompt, reasoning inside completion", () => {
    expect(
      chatUsageToTokens({
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 200 },
      }),
    ).toEqual({
      inputTokens: 1200,
      outputTokens: 300,
      totalTokens: 1500,
      cacheReadTokens: 1024,
      reasoningTokens: 200,
    });
  });

  it("adds reasoning to output when the server's own total shows it was outside (xAI)", () => {
    const tokens = chatUsageToTokens({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 115,
      completion_tokens_details: { reasoning_tokens: 100 },
    });
    expect(tokens.outputTokens).toBe(105);
    expect(tokens.reasoningTokens).toBe(100);
  });

  it("reads DeepSeek's cache hits, and leaves unreported counts out", () => {
    expect(
      chatUsageToTokens({ prompt_tokens: 50, completion_tokens: 5, prompt_cache_hit_tokens: 32 }),
    ).toEqual({
      inputTokens: 50,
      outputTokens: 5,
      cacheReadTokens: 32,
    });
    expect(chatUsageToTokens({ prompt_tokens: 7, completion_tokens: null })).toEqual({
      inputTokens: 7,
    });
  });
});

describe("responsesUsageToTokens and embeddingUsageToTokens", () => {
  it("maps the Responses API usage details", () => {
    expect(
      responsesUsageToTokens({
        input_tokens: 80,
        output_tokens: 40,
        total_tokens: 120,
        input_tokens_details: { cached_tokens: 64 },
        output_tokens_details: { reasoning_tokens: 24 },
      }),
    ).toEqual({
      inputTokens: 80,
      outputTokens: 40,
      totalTokens: 120,
      cacheReadTokens: 64,
      reasoningTokens: 24,
    });
  });

  it("bills only prompt tokens for embeddings", () => {
    expect(embeddingUsageToTokens({ prompt_tokens: 9, total_tokens: 9 })).toEqual({
      inputTokens: 9,
      totalTokens: 9,
    });
  });
});

describe("reportedCostUsd", () => {
  it("reads xAI's ticks (10^10 per USD), the example of docs.x.ai/developers/cost-tracking", () => {
    expect(reportedCostUsd({ cost_in_usd_ticks: 37_756_000 })).toBe(0.0037756);
  });

  it("reads OpenRouter's cost in USD, adding the upstream cost only for a BYOK call", () => {
    expect(
      reportedCostUsd({
        cost: 0.95,
        is_byok: false,
        cost_details: { upstream_inference_cost: 0.95 },
      }),
    ).toBe(0.95);
    expect(
      reportedCostUsd({ cost: 0.05, is_byok: true, cost_details: { upstream_inference_cost: 1 } }),
    ).toBe(1.05);
  });

  it("is undefined when no cost (or no usable number) was reported", () => {
    expect(reportedCostUsd({})).toBeUndefined();
    expect(reportedCostUsd({ cost: null, cost_in_usd_ticks: null })).toBeUndefined();
    expect(reportedCostUsd({ cost: -1 })).toBeUndefined();
    expect(reportedCostUsd({ cost: Number.NaN })).toBeUndefined();
  });
});
