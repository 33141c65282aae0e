import { describe, expect, it } from "vitest";
import { providerFromAiSdk, tokenUsageFromAiSdk } from "./usage-from-ai-sdk.ts";

describe("tokenUsageFromAiSdk", () => {
  it("keeps the SDK's totals (cache parts inside input, reasoning inside output)", () => {
    expect(
      tokenUsageFromAiSdk({
        inputTokens: { total: 150, noCache: 20, cacheRead: 100, cacheWrite: 30 },
        outputTokens: { total: 60, text: 40, reasoning: 20 },
      }),
    ).toEqual({
      inputTokens: 150,
      outputTokens: 60,
      totalTokens: 210,
      cacheReadTokens: 100,
      cacheWriteTokens: 30,
      reasoningTokens: 20,
    });
  });

  it("rebuilds missing totals from their parts", () => {
    expect(
      tokenUsageFromAiSdk({
        inputTokens: { noCache: 20, cacheRead: 100, cacheWrite: undefined },
        outputTokens: { text: 40, reasoning: 5 },
      }),
    ).toMatchObject({ inputTokens: 120, outputTokens: 45, totalTokens: 165 });
  });

  it("splits Anthropic cache writes by lifetime from the raw usage", () => {
    const usage = tokenUsageFromAiSdk({
      inputTokens: { total: 100, noCache: 10, cacheRead: 0, cacheWrite: 90 },
      outputTokens: { total: 5 },
      raw: { cache_creation: { ephemeral_5m_input_tokens: 60, ephemeral_1h_input_tokens: 30 } },
    });
    expect(usage).toMatchObject({ cacheWrite5mTokens: 60, cacheWrite1hTokens: 30 });
    expect(usage.cacheWriteTokens).toBeUndefined();
  });

  it("leaves unknown counts undefined, never 0", () => {
    expect(tokenUsageFromAiSdk(undefined)).toEqual({});
    expect(tokenUsageFromAiSdk({ inputTokens: { total: 5 }, outputTokens: {} })).toEqual({
      inputTokens: 5,
    });
  });
});

describe("providerFromAiSdk", () => {
  it.each([
    ["openai.chat", "openai"],
    ["openai.responses", "openai"],
    ["anthropic.messages", "anthropic"],
    ["google.generative-ai", "google"],
    ["google-vertex", "google"],
    ["amazon-bedrock", "bedrock"],
    ["azure.chat", "azure"],
    ["mistral.chat", "mistral"],
  ])("%s → %s", (input, expected) => {
    expect(providerFromAiSdk(input)).toBe(expected);
  });
});
