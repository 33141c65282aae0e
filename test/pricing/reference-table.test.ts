// The hand-computed reference table: each expected cost is worked out by hand from the provider's
// published prices (the arithmetic is in the comment) and must match to the nano-dollar.
import { describe, expect, it } from "vitest";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import type { PricingOptions, PricingUsage } from "../../src/pricing/types.ts";

interface Case {
  name: string;
  usage: PricingUsage;
  options: PricingOptions;
  /** Hand-computed USD; null for "no price". */
  expected: number | null;
  entryId?: string;
}

// A call with cached input and both cache-write durations, priced on several Claude models below.
const CACHED_CALL: PricingUsage = {
  inputTokens: 10_000,
  cacheReadTokens: 4_000,
  cacheWrite5mTokens: 2_000,
  cacheWrite1hTokens: 1_000,
  outputTokens: 1_000,
};

const CASES: Case[] = [
  {
    name: "cached input (OpenAI gpt-4o)",
    usage: { inputTokens: 10_000, cacheReadTokens: 4_000, outputTokens: 500 },
    options: { provider: "openai", model: "gpt-4o" },
    // 6,000 × $2.50/M + 4,000 × $1.25/M + 500 × $10/M = 0.015 + 0.005 + 0.005
    expected: 0.025,
  },
  {
    name: "5-minute and 1-hour cache writes priced apart (Claude Sonnet 4.5)",
    usage: {
      inputTokens: 10_000,
      cacheReadTokens: 5_000,
      cacheWrite5mTokens: 2_000,
      cacheWrite1hTokens: 1_000,
      outputTokens: 1_000,
    },
    options: { provider: "anthropic", model: "claude-sonnet-4-5-20250929" },
    // 2,000 × $3 + 2,000 × $3.75 + 1,000 × $6 + 5,000 × $0.30 + 1,000 × $15 (per M)
    // = 0.006 + 0.0075 + 0.006 + 0.0015 + 0.015
    expected: 0.036,
    entryId: "anthropic/claude-sonnet-4-5",
  },
  {
    name: "a plain cache-write count that repeats the 5m/1h split is not billed twice",
    usage: {
      inputTokens: 3_000,
      cacheWriteTokens: 3_000,
      cacheWrite5mTokens: 2_000,
      cacheWrite1hTokens: 1_000,
    },
    options: { provider: "anthropic", model: "claude-sonnet-4-5" },
    // 2,000 × $3.75/M + 1,000 × $6/M
    expected: 0.0135,
  },
  {
    name: "cache write of unknown duration at the 5-minute rate (Claude Haiku 4.5)",
    usage: { inputTokens: 1_000, cacheWriteTokens: 1_000 },
    options: { provider: "anthropic", model: "claude-haiku-4-5" },
    // 1,000 × $1.25/M
    expected: 0.00125,
  },
  {
    name: "reasoning tokens are part of output, billed once (o3 after the June 2025 cut)",
    usage: { inputTokens: 2_000, outputTokens: 5_000, reasoningTokens: 4_000 },
    options: { provider: "openai", model: "o3", at: "2025-07-01T00:00:00Z" },
    // 2,000 × $2/M + 5,000 × $8/M
    expected: 0.044,
  },
  {
    name: "dated price: o3 before 2025-06-10",
    usage: { inputTokens: 2_000, outputTokens: 5_000, reasoningTokens: 4_000 },
    options: { provider: "openai", model: "o3-2025-04-16", at: "2025-05-01T00:00:00Z" },
    // 2,000 × $10/M + 5,000 × $40/M
    expected: 0.22,
  },
  {
    name: "dated price: deepseek-chat before the September 2025 changes",
    usage: { inputTokens: 1_000_000, cacheReadTokens: 200_000, outputTokens: 100_000 },
    options: { provider: "deepseek", model: "deepseek-chat", at: "2025-08-01T00:00:00Z" },
    // 800,000 × $0.27/M + 200,000 × $0.07/M + 100,000 × $1.10/M = 0.216 + 0.014 + 0.11
    expected: 0.34,
  },
  {
    name: "dated price: deepseek-chat after 2025-09-29",
    usage: { inputTokens: 1_000_000, cacheReadTokens: 200_000, outputTokens: 100_000 },
    options: { provider: "deepseek", model: "deepseek-chat", at: "2025-10-01T00:00:00Z" },
    // 800,000 × $0.28/M + 200,000 × $0.028/M + 100,000 × $0.42/M = 0.224 + 0.0056 + 0.042
    expected: 0.2716,
  },
  {
    name: "dated price: Claude Sonnet 5.5 cache reads at $0.20 before the 2026-10-07 cut",
    usage: CACHED_CALL,
    options: { provider: "anthropic", model: "claude-sonnet-5-5", at: "2026-10-06T23:59:59Z" },
    // 3,000 × $2 + 4,000 × $0.20 + 2,000 × $2.50 + 1,000 × $4 + 1,000 × $10 (per M)
    // = 0.006 + 0.0008 + 0.005 + 0.004 + 0.01
    expected: 0.0258,
    entryId: "anthropic/claude-sonnet-5-5",
  },
  {
    name: "dated price: Claude Sonnet 5.5 cache reads at $0.10 from 2026-10-07",
    usage: CACHED_CALL,
    options: { provider: "anthropic", model: "claude-sonnet-5-5", at: "2026-10-07T00:00:00Z" },
    // 3,000 × $2 + 4,000 × $0.10 + 2,000 × $2.50 + 1,000 × $4 + 1,000 × $10 (per M)
    // = 0.006 + 0.0004 + 0.005 + 0.004 + 0.01
    expected: 0.0254,
  },
  {
    name: "Claude Haiku 5.5 at exactly 100,000 prompt tokens stays on the lower rates",
    usage: {
      inputTokens: 100_000,
      cacheReadTokens: 60_000,
      cacheWrite5mTokens: 10_000,
      outputTokens: 2_000,
    },
    options: { provider: "anthropic", model: "claude-haiku-5-5" },
    // 30,000 × $0.10 + 60,000 × $0.01 + 10,000 × $0.125 + 2,000 × $0.50 (per M)
    // = 0.003 + 0.0006 + 0.00125 + 0.001
    expected: 0.00585,
    entryId: "anthropic/claude-haiku-5-5",
  },
  {
    name: "Claude Haiku 5.5 over 100,000 prompt tokens (cache reads and writes count): whole request at the higher rates",
    usage: {
      inputTokens: 100_001,
      cacheReadTokens: 60_000,
      cacheWrite5mTokens: 10_000,
      cacheWrite1hTokens: 5_000,
      outputTokens: 2_000,
    },
    options: { provider: "anthropic", model: "claude-haiku-5-5" },
    // 25,001 × $0.50 + 60,000 × $0.05 + 10,000 × $0.625 + 5,000 × $1 + 2,000 × $2.50 (per M)
    // = 0.0125005 + 0.003 + 0.00625 + 0.005 + 0.005
    expected: 0.0317505,
  },
  {
    name: "Claude Haiku 5.5 long prompt on the Batch API: the higher rates, halved",
    usage: { inputTokens: 200_000, outputTokens: 10_000 },
    options: { provider: "anthropic", model: "claude-haiku-5-5", serviceTier: "batch" },
    // 200,000 × $0.25/M + 10,000 × $1.25/M = 0.05 + 0.0125
    expected: 0.0625,
  },
  {
    name: "Claude Fable 5.2 (cache reads at 0.025× input)",
    usage: CACHED_CALL,
    options: { provider: "anthropic", model: "claude-fable-5-2" },
    // 3,000 × $8 + 4,000 × $0.20 + 2,000 × $10 + 1,000 × $16 + 1,000 × $40 (per M)
    // = 0.024 + 0.0008 + 0.02 + 0.016 + 0.04
    expected: 0.1008,
    entryId: "anthropic/claude-fable-5-2",
  },
  {
    name: "Claude Mythos 5.2 (Fable 5.2's prices)",
    usage: { inputTokens: 1_000_000, outputTokens: 100_000 },
    options: { provider: "anthropic", model: "claude-mythos-5-2" },
    // 1,000,000 × $8/M + 100,000 × $40/M
    expected: 12,
    entryId: "anthropic/claude-mythos-5-2",
  },
  {
    name: "Gemini 2.5 Pro above 200K prompt tokens: whole request at the long-context rate",
    usage: { inputTokens: 250_000, cacheReadTokens: 50_000, outputTokens: 2_000 },
    options: { provider: "google", model: "gemini-2.5-pro" },
    // 200,000 × $2.50/M + 50,000 × $0.25/M + 2,000 × $15/M = 0.5 + 0.0125 + 0.03
    expected: 0.5425,
  },
  {
    name: "Gemini 2.5 Pro at or below 200K prompt tokens",
    usage: { inputTokens: 150_000, outputTokens: 2_000 },
    options: { provider: "google", model: "models/gemini-2.5-pro" },
    // 150,000 × $1.25/M + 2,000 × $10/M
    expected: 0.2075,
  },
  {
    name: "gemini-flash-lite-latest (a moving alias) by Gemini 3.5 Flash-Lite's entry (cached input at $0.03)",
    usage: { inputTokens: 100_000, cacheReadTokens: 40_000, outputTokens: 10_000 },
    options: { provider: "google", model: "gemini-flash-lite-latest" },
    // 60,000 × $0.30/M + 40,000 × $0.03/M + 10,000 × $2.50/M = 0.018 + 0.0012 + 0.025
    expected: 0.0442,
    entryId: "google/gemini-3.5-flash-lite",
  },
  {
    name: "gpt-daybreak-blue-latest (a moving alias) by GPT-5.6 Sol's entry, at its price of the day",
    usage: { inputTokens: 100_000, cacheReadTokens: 20_000, outputTokens: 10_000 },
    options: { provider: "openai", model: "gpt-daybreak-blue-latest", at: "2026-12-01T00:00:00Z" },
    // Sol from 2026-08-21: 80,000 × $4/M + 20,000 × $0.40/M + 10,000 × $20/M = 0.32 + 0.008 + 0.2
    expected: 0.528,
    entryId: "openai/gpt-5.6-sol",
  },
  {
    name: "Gemini 2.0 Flash Live preview (a Vertex id, found from provider google): audio at its own rates",
    usage: {
      inputTokens: 100_000,
      audioInputTokens: 60_000,
      outputTokens: 20_000,
      audioOutputTokens: 15_000,
    },
    options: {
      provider: "google",
      model: "gemini-2.0-flash-live-preview-04-09",
      at: "2025-06-01T00:00:00Z",
    },
    // 40,000 × $0.50/M + 60,000 × $3/M + 5,000 × $2/M + 15,000 × $12/M
    // = 0.02 + 0.18 + 0.01 + 0.18
    expected: 0.39,
    entryId: "vertex/gemini-2.0-flash-live-preview-04-09",
  },
  {
    name: "Claude Sonnet 4.5 at exactly 200K input tokens stays on the standard rate",
    usage: { inputTokens: 200_000, outputTokens: 1_000 },
    options: { provider: "anthropic", model: "claude-sonnet-4-5" },
    // 200,000 × $3/M + 1,000 × $15/M
    expected: 0.615,
  },
  {
    name: "Claude Sonnet 4.5 above 200K input tokens (cache reads count toward the threshold)",
    usage: { inputTokens: 200_001, cacheReadTokens: 100_000, outputTokens: 1_000 },
    options: { provider: "anthropic", model: "claude-sonnet-4-5" },
    // 100,001 × $6/M + 100,000 × $0.60/M + 1,000 × $22.50/M = 0.600006 + 0.06 + 0.0225
    expected: 0.682506,
  },
  {
    name: "Batch API at half price (gpt-4.1)",
    usage: { inputTokens: 1_000_000, outputTokens: 100_000 },
    options: { provider: "openai", model: "gpt-4.1", serviceTier: "batch" },
    // 1,000,000 × $1/M + 100,000 × $4/M
    expected: 1.4,
  },
  {
    name: "Flex processing (o4-mini)",
    usage: { inputTokens: 100_000, outputTokens: 10_000 },
    options: { provider: "openai", model: "o4-mini", serviceTier: "flex" },
    // 100,000 × $0.55/M + 10,000 × $2.20/M
    expected: 0.077,
  },
  {
    name: "Priority processing (gpt-5)",
    usage: { inputTokens: 100_000, cacheReadTokens: 20_000, outputTokens: 10_000 },
    options: { provider: "openai", model: "gpt-5", serviceTier: "priority" },
    // 80,000 × $2.50/M + 20,000 × $0.25/M + 10,000 × $20/M = 0.2 + 0.005 + 0.2
    expected: 0.405,
  },
  {
    name: "OpenAI's `default` service tier is standard",
    usage: { inputTokens: 1_000, outputTokens: 1_000 },
    options: { provider: "openai", model: "gpt-4o-mini", serviceTier: "default" },
    // 1,000 × $0.15/M + 1,000 × $0.60/M
    expected: 0.00075,
  },
  {
    name: "Bedrock regional inference profile (us.) costs 10% more",
    usage: { inputTokens: 10_000, outputTokens: 1_000 },
    options: { provider: "bedrock", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" },
    // 10,000 × $1.10/M + 1,000 × $5.50/M
    expected: 0.0165,
  },
  {
    name: "Bedrock global inference profile at the base price",
    usage: { inputTokens: 10_000, outputTokens: 1_000 },
    options: { provider: "bedrock", model: "global.anthropic.claude-haiku-4-5-20251001-v1:0" },
    // 10,000 × $1/M + 1,000 × $5/M
    expected: 0.015,
  },
  {
    name: "Vertex regional endpoint for Claude Sonnet 4.5: +10%",
    usage: { inputTokens: 10_000, outputTokens: 1_000 },
    options: { provider: "vertex", model: "claude-sonnet-4-5@20250929", region: "us-east5" },
    // 10,000 × $3.30/M + 1,000 × $16.50/M
    expected: 0.0495,
  },
  {
    name: "Vertex global endpoint for Claude Sonnet 4.5",
    usage: { inputTokens: 10_000, outputTokens: 1_000 },
    options: { provider: "vertex", model: "claude-sonnet-4-5@20250929", region: "global" },
    // 10,000 × $3/M + 1,000 × $15/M
    expected: 0.045,
  },
  {
    name: "Vertex regional endpoint for an older Claude: no uplift",
    usage: { inputTokens: 10_000, outputTokens: 1_000 },
    options: { provider: "vertex", model: "claude-3-5-haiku@20241022", region: "us-east5" },
    // 10,000 × $0.80/M + 1,000 × $4/M
    expected: 0.012,
  },
  {
    name: "Azure deployment name through an alias",
    usage: { inputTokens: 1_000, outputTokens: 100 },
    options: { provider: "azure", model: "My-GPT4o-Prod " },
    // 1,000 × $2.50/M + 100 × $10/M
    expected: 0.0035,
    entryId: "openai/gpt-4o",
  },
  {
    name: "Azure OpenAI model without an alias bills OpenAI's list price",
    usage: { inputTokens: 1_000_000 },
    options: { provider: "azure_openai", model: "gpt-4.1-mini" },
    // 1,000,000 × $0.40/M
    expected: 0.4,
  },
  {
    name: "embeddings (text-embedding-3-small)",
    usage: { inputTokens: 1_000_000 },
    options: { model: "text-embedding-3-small" },
    expected: 0.02,
  },
  {
    name: "embeddings (Gemini embedding, provider detected)",
    usage: { inputTokens: 200_000 },
    options: { model: "gemini-embedding-001" },
    // 200,000 × $0.15/M
    expected: 0.03,
  },
  {
    name: "OCR pages (Mistral OCR)",
    usage: { pages: 25 },
    options: { provider: "mistral", model: "mistral-ocr-2505" },
    // 25 × $1/1,000 pages
    expected: 0.025,
  },
  {
    name: "OCR pages on the Batch API (Mistral OCR)",
    usage: { pages: 25 },
    options: { provider: "mistral", model: "mistral-ocr-2505", serviceTier: "batch" },
    expected: 0.0125,
  },
  {
    name: "OCR pages (Azure Document Intelligence Read)",
    usage: { pages: 1_000 },
    options: { provider: "azure-document-intelligence", model: "prebuilt-read" },
    expected: 1.5,
  },
  {
    name: "OCR pages (AWS Textract DetectDocumentText)",
    usage: { pages: 3 },
    options: { provider: "textract", model: "detect-document-text" },
    expected: 0.0045,
  },
  {
    name: "OCR pages (Google Document AI Enterprise OCR)",
    usage: { pages: 200 },
    options: { provider: "document-ai", model: "enterprise-document-ocr" },
    expected: 0.3,
  },
  {
    name: "per-request fee (Perplexity Sonar)",
    usage: { inputTokens: 1_000, outputTokens: 1_000 },
    options: { provider: "perplexity", model: "sonar" },
    // 1,000 × $1/M + 1,000 × $1/M + 1 request × $5/1,000
    expected: 0.007,
  },
  {
    name: "local provider (Ollama) is free",
    usage: { inputTokens: 50_000, outputTokens: 5_000 },
    options: { provider: "ollama", model: "llama3.2:latest" },
    expected: 0,
  },
  {
    name: "OpenRouter-style provider prefix",
    usage: { inputTokens: 1_000_000 },
    options: { model: "openai/gpt-4o-mini" },
    expected: 0.15,
  },
  {
    name: "OpenRouter pass-through to the underlying provider's price",
    usage: { inputTokens: 1_000_000 },
    options: { provider: "openrouter", model: "anthropic/claude-haiku-4-5-20251001" },
    // 1,000,000 × $1/M (Anthropic's list price; OpenRouter adds no markup on inference)
    expected: 1,
    entryId: "anthropic/claude-haiku-4-5",
  },
  {
    name: "Fireworks resource path (snapshot layer)",
    usage: { inputTokens: 1_000_000 },
    options: { provider: "fireworks", model: "accounts/fireworks/models/llama-v3p1-8b-instruct" },
    // Fireworks' 4B-16B parameter band: $0.20 per million tokens
    expected: 0.2,
  },
  {
    name: "unknown model",
    usage: { inputTokens: 1_000, outputTokens: 1_000 },
    options: { provider: "openai", model: "gpt-imaginary-9" },
    expected: null,
  },
];

describe("the hand-computed reference table", () => {
  const book = createPriceBook({
    aliases: { "my-gpt4o-prod": "openai/gpt-4o" },
    diagnostics: () => {},
  });

  for (const testCase of CASES) {
    it(testCase.name, () => {
      const result = book.calculateCost(testCase.usage, testCase.options);
      if (testCase.expected === null) {
        expect(result).toBeNull();
        return;
      }
      expect(result).not.toBeNull();
      // To the nano-dollar, which is stricter than to the cent.
      expect(result?.costNanoUsd).toBe(Math.round(testCase.expected * 1e9));
      expect(result?.costUsd).toBe(Math.round(testCase.expected * 1e9) / 1e9);
      const parts = Object.values(result?.breakdown ?? {}).reduce(
        (sum, part) => sum + Math.round(part * 1e9),
        0,
      );
      expect(parts).toBe(result?.costNanoUsd);
      if (testCase.entryId !== undefined) expect(result?.matched.entryId).toBe(testCase.entryId);
    });
  }

  it("sums many small costs without drift", () => {
    let nano = 0;
    const usage = { inputTokens: 3, outputTokens: 7 };
    for (let call = 0; call < 100_000; call += 1) {
      nano +=
        book.calculateCost(usage, { provider: "openai", model: "gpt-4o-mini" })?.costNanoUsd ?? 0;
    }
    // One call: 3 × $0.15/M + 7 × $0.60/M = $0.00000465 = 4,650 nano-dollars.
    expect(nano).toBe(465_000_000);
    expect(nano / 1e9).toBe(0.465);
  });
});
