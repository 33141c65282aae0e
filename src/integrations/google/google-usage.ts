import type { TokenUsage, ToolCalls } from "../../usage/usage-event.ts";
import { type ReportedCount, reportedTokens, sumReported } from "../shared/token-usage.ts";
import { reportedToolCalls } from "../shared/tool-calls.ts";

/** A candidate's grounding, as Gemini reports it (https://ai.google.dev/api/generate-content#GroundingMetadata). */
export interface GoogleGroundingLike {
  groundingMetadata?: { webSearchQueries?: readonly string[] | null } | null;
}

/**
 * Grounding with Google Search of one response: every search query the candidates ran
 * (`webSearch`; Gemini 3 bills per query) and one grounded prompt when any ran (Gemini 2.x bills
 * per prompt, whatever the number of queries or candidates).
 */
export function googleToolCalls(
  candidates: ReadonlyArray<GoogleGroundingLike | null | undefined> | null | undefined,
): ToolCalls | undefined {
  let queries = 0;
  for (const candidate of candidates ?? []) {
    const list = candidate?.groundingMetadata?.webSearchQueries;
    if (Array.isArray(list)) queries += list.length;
  }
  return reportedToolCalls({ webSearch: queries, groundedPrompts: queries > 0 ? 1 : 0 });
}

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
