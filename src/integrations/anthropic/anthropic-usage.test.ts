import { describe, expect, it } from "vitest";
import { anthropicUsageToTokens, mergeAnthropicUsage } from "./anthropic-usage.ts";

describe("anthropicUsageToTokens", () => {
  it("sums uncached input, cache reads and cache writes, with writes split by duration", () => {
    expect(
      anthropicUsageToTokens({
        input_tokens: 10,
        cache_read_input_tokens: 500,
        cache_creation_input_tokens: 300,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
        output_tokens: 50,
        output_tokens_details: { thinking_tokens: 20 },
      }),
    ).toEqual({
      inputTokens: 810,
      outputTokens: 50,
      totalTokens: 860,
      cacheReadTokens: 500,
      cacheWrite5mTokens: 100,
      cacheWrite1hTokens: 200,
      reasoningTokens: 20,
    });
  });

  it("keeps a plain cache write when there is no breakdown, or it does not add up", () => {
    expect(
      anthropicUsageToTokens({
        input_tokens: 1,
        cache_creation_input_tokens: 40,
        output_tokens: 2,
      }),
    ).toEqual({ inputTokens: 41, outputTokens: 2, totalTokens: 43, cacheWriteTokens: 40 });
    expect(
      anthropicUsageToTokens({
        input_tokens: 1,
        cache_creation_input_tokens: 40,
        cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 1 },
        output_tokens: 2,
      }).cacheWriteTokens,
    ).toBe(40);
  });
});

describe("mergeAnthropicUsage", () => {
  it("takes the delta's cumulative counts and keeps the start's where the delta says null", () => {
    const merged = mergeAnthropicUsage(
      { input_tokens: 12, cache_read_input_tokens: 30, output_tokens: 1 },
      { input_tokens: null, cache_read_input_tokens: null, output_tokens: 77 },
    );
    expect(anthropicUsageToTokens(merged)).toMatchObject({ inputTokens: 42, outputTokens: 77 });
  });
});
