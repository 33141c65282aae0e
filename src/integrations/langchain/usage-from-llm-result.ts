import type { LLMResult } from "@langchain/core/outputs";
import type { TokenUsage } from "../../usage/usage-event.ts";

/** What one finished LangChain run tells us about the provider call behind it. */
export interface RunOutcome {
  usage: TokenUsage;
  responseModel?: string;
  /** The provider's response id (`chatcmpl-...`, `msg_...`), when the integration kept it. */
  requestId?: string;
}

interface UsageMetadataLike {
  input_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
  input_token_details?: { cache_read?: unknown; cache_creation?: unknown };
  output_token_details?: { reasoning?: unknown };
}

interface MessageLike {
  id?: unknown;
  additional_kwargs?: Record<string, unknown>;
  usage_metadata?: UsageMetadataLike;
  response_metadata?: Record<string, unknown>;
}

/**
 * Reads token usage from a run's result. `AIMessage.usage_metadata` first: LangChain already
 * follows the OpenTelemetry convention there (input includes cache reads and writes, output
 * includes reasoning; ChatAnthropic adds Anthropic's uncached input up itself). Falls back to
 * `llmOutput.tokenUsage` (`promptTokens`/`completionTokens`), which plain LLMs report.
 */
export function outcomeFromLlmResult(result: LLMResult): RunOutcome {
  const messages: MessageLike[] = [];
  for (const generationList of result.generations ?? []) {
    for (const generation of generationList ?? []) {
      const message = (generation as { message?: MessageLike }).message;
      if (message !== undefined && message !== null) messages.push(message);
    }
  }

  const outcome: RunOutcome = { usage: {} };
  const first = messages[0];
  if (first !== undefined) {
    const metadata = first.response_metadata ?? {};
    // Streamed Anthropic messages keep the served model in additional_kwargs only.
    const model =
      stringOf(metadata.model_name) ??
      stringOf(metadata.model) ??
      stringOf(first.additional_kwargs?.model);
    if (model !== undefined) outcome.responseModel = model;
    const requestId = stringOf(metadata.id) ?? providerIdOf(first.id);
    if (requestId !== undefined) outcome.requestId = requestId;
  }

  // One run is one provider call; with `n` > 1 choices every message may repeat the call's
  // usage, so read the first message that has it rather than summing.
  const withUsage = messages.find((message) => message.usage_metadata != null);
  if (withUsage !== undefined) {
    outcome.usage = usageFromMetadata(withUsage);
    return outcome;
  }
  outcome.usage = usageFromLlmOutput(result.llmOutput);
  return outcome;
}

function usageFromMetadata(message: MessageLike): TokenUsage {
  const usage: TokenUsage = {};
  const metadata = message.usage_metadata ?? {};
  add(usage, "inputTokens", metadata.input_tokens);
  add(usage, "outputTokens", metadata.output_tokens);
  add(usage, "totalTokens", metadata.total_tokens);
  add(usage, "cacheReadTokens", metadata.input_token_details?.cache_read);
  addCacheWrites(usage, metadata.input_token_details?.cache_creation, message.response_metadata);
  add(usage, "reasoningTokens", metadata.output_token_details?.reasoning);
  return usage;
}

// Anthropic splits cache writes by lifetime (priced differently); ChatAnthropic keeps the raw
// `usage.cache_creation` object in response_metadata, so use it when present.
function addCacheWrites(
  usage: TokenUsage,
  cacheCreation: unknown,
  responseMetadata: Record<string, unknown> | undefined,
): void {
  const raw = (responseMetadata?.usage as { cache_creation?: Record<string, unknown> } | undefined)
    ?.cache_creation;
  const fiveMinutes = numberOf(raw?.ephemeral_5m_input_tokens);
  const oneHour = numberOf(raw?.ephemeral_1h_input_tokens);
  const total = numberOf(cacheCreation);
  if (fiveMinutes !== undefined || oneHour !== undefined) {
    add(usage, "cacheWrite5mTokens", fiveMinutes);
    add(usage, "cacheWrite1hTokens", oneHour);
    return;
  }
  add(usage, "cacheWriteTokens", total);
}

function usageFromLlmOutput(llmOutput: Record<string, unknown> | undefined): TokenUsage {
  const tokenUsage = (llmOutput?.tokenUsage ?? llmOutput?.estimatedTokenUsage) as
    | Record<string, unknown>
    | undefined;
  if (tokenUsage === undefined || tokenUsage === null) return {};
  const usage: TokenUsage = {};
  add(usage, "inputTokens", tokenUsage.promptTokens);
  add(usage, "outputTokens", tokenUsage.completionTokens);
  add(usage, "totalTokens", tokenUsage.totalTokens);
  if (llmOutput?.tokenUsage === undefined && Object.keys(usage).length > 0) usage.estimated = true;
  return usage;
}

function add(usage: TokenUsage, field: Exclude<keyof TokenUsage, "estimated">, value: unknown) {
  const count = numberOf(value);
  if (count === undefined) return;
  usage[field] = (usage[field] ?? 0) + count;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

// LangChain stamps `run-<uuid>` on messages whose provider gave no id: that is not a provider id.
function providerIdOf(id: unknown): string | undefined {
  const value = stringOf(id);
  return value?.startsWith("run-") ? undefined : value;
}
