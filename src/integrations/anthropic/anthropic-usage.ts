import type { TokenUsage, ToolCalls } from "../../usage/usage-event.ts";
import { type ReportedCount, reportedTokens, sumReported } from "../shared/token-usage.ts";
import { reportedToolCalls } from "../shared/tool-calls.ts";

/** Anthropic `usage` (Messages, and the cumulative usage of a `message_delta` event). */
export interface AnthropicUsageLike {
  input_tokens?: ReportedCount;
  output_tokens?: ReportedCount;
  cache_read_input_tokens?: ReportedCount;
  cache_creation_input_tokens?: ReportedCount;
  cache_creation?: {
    ephemeral_5m_input_tokens?: ReportedCount;
    ephemeral_1h_input_tokens?: ReportedCount;
  } | null;
  output_tokens_details?: { thinking_tokens?: ReportedCount } | null;
  service_tier?: string | null;
  inference_geo?: string | null;
  /** Server tools run for this message (https://docs.claude.com/en/api/messages). */
  server_tool_use?: {
    web_search_requests?: ReportedCount;
    web_fetch_requests?: ReportedCount;
  } | null;
}

/**
 * Server-tool uses of a message: web searches and fetches from `usage.server_tool_use`, and one
 * code-execution container when the message names the `container` it ran in.
 */
export function anthropicToolCalls(
  usage: AnthropicUsageLike | null | undefined,
  container: { id?: string } | null | undefined,
): ToolCalls | undefined {
  return reportedToolCalls({
    webSearch: usage?.server_tool_use?.web_search_requests,
    webFetch: usage?.server_tool_use?.web_fetch_requests,
    codeExecutionContainers:
      container != null && typeof container.id === "string" && container.id !== "" ? 1 : 0,
  });
}

/**
 * Anthropic usage in the OpenTelemetry convention. Anthropic's `input_tokens` counts only the
 * tokens after the last cache breakpoint; cache reads and writes are reported beside it
 * (https://docs.claude.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance),
 * so the whole prompt is their sum. Cache writes are kept apart by duration when `cache_creation`
 * breaks them down (5-minute and 1-hour writes are priced differently); `output_tokens` already
 * includes thinking tokens.
 */
export function anthropicUsageToTokens(usage: AnthropicUsageLike): TokenUsage {
  const cacheRead = usage.cache_read_input_tokens;
  const cacheWrite = usage.cache_creation_input_tokens;
  const write5m = usage.cache_creation?.ephemeral_5m_input_tokens;
  const write1h = usage.cache_creation?.ephemeral_1h_input_tokens;
  const split =
    typeof write5m === "number" &&
    typeof write1h === "number" &&
    (cacheWrite == null || write5m + write1h === cacheWrite);
  const input = sumReported(
    usage.input_tokens,
    cacheRead,
    cacheWrite ?? (split ? write5m + write1h : undefined),
  );
  const output = usage.output_tokens;
  return reportedTokens({
    inputTokens: input,
    outputTokens: output,
    totalTokens: input !== undefined && typeof output === "number" ? input + output : undefined,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: split ? write5m : undefined,
    cacheWrite1hTokens: split ? write1h : undefined,
    cacheWriteTokens: split ? undefined : cacheWrite,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens,
  });
}

/**
 * Folds a `message_delta` usage into the usage from `message_start`: the delta's counts are
 * cumulative (https://docs.claude.com/en/docs/build-with-claude/streaming#event-types), and a
 * count it leaves `null` keeps the earlier value.
 */
export function mergeAnthropicUsage(
  start: AnthropicUsageLike | undefined,
  delta: AnthropicUsageLike,
): AnthropicUsageLike {
  const merged: AnthropicUsageLike = { ...start };
  for (const key of Object.keys(delta) as Array<keyof AnthropicUsageLike>) {
    const value = delta[key];
    if (value != null) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
