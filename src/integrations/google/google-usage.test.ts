import { describe, expect, it } from "vitest";
import { googleUsageToTokens } from "./google-usage.ts";

describe("googleUsageToTokens", () => {
  it("bills tool-use prompt tokens as input and thoughts as output; cached content is inside the prompt", () => {
    expect(
      googleUsageToTokens({
        promptTokenCount: 100,
        cachedContentTokenCount: 60,
        toolUsePromptTokenCount: 15,
        candidatesTokenCount: 30,
        thoughtsTokenCount: 45,
        totalTokenCount: 190,
      }),
    ).toEqual({
      inputTokens: 115,
      outputTokens: 75,
      totalTokens: 190,
      cacheReadTokens: 60,
      reasoningTokens: 45,
    });
  });

  it("leaves unreported counts undefined", () => {
    expect(googleUsageToTokens({ promptTokenCount: 3 })).toEqual({ inputTokens: 3 });
  });
});
