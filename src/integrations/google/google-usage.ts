import type { TokenUsage } from "../../usage/usage-event.ts";
import { type ReportedCount, reportedTokens, sumReported } from "../shared/token-usage.ts";

/** Gemini `usageMetadata`. */
export interface GoogleUsageLike {
  promptTokenCount?: ReportedCount;
  candidatesTokenCount?: ReportedCount;
  totalTokenCount?: ReportedCount;
  cachedContentTokenCount?: ReportedCount;
  thoughtsTokenCount?: ReportedCount;
  toolUsePromptTokenCount?: ReportedCount;
}

/**
 * Gemini usage in the OpenTelemetry convention. `promptTokenCount` already includes the cached
 * content (https://ai.google.dev/api/generate-content#UsageMetadata); tool-use prompt tokens are
 * counted beside it and billed as input, and thinking tokens are counted beside
 * `candidatesTokenCount` and billed as output. This matches the Google usage extractor of
 * pydantic/genai-prices (prices/providers/google.yml: `toolUsePromptTokenCount` → input_tokens,
 * `thoughtsTokenCount` → output_tokens).
 */
export function googleUsageToTokens(usage: GoogleUsageLike): TokenUsage {
  return reportedTokens({
    inputTokens: sumReported(usage.promptTokenCount, usage.toolUsePromptTokenCount),
    outputTokens: sumReported(usage.candidatesTokenCount, usage.thoughtsTokenCount),
    totalTokens: usage.totalTokenCount,
    cacheReadTokens: usage.cachedContentTokenCount,
    reasoningTokens: usage.thoughtsTokenCount,
  });
}
