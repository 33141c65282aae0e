import type { TokenUsage } from "../../usage/usage-event.ts";

/** The AI SDK's usage shape (LanguageModelV3/V4 `usage`), as far as llmeter reads it. */
export interface AiSdkUsage {
  inputTokens?: {
    total?: number;
    noCache?: number;
    cacheRead?: number;
    cacheWrite?: number;
  };
  outputTokens?: { total?: number; text?: number; reasoning?: number };
  raw?: unknown;
}

/**
 * Converts the AI SDK's usage to llmeter's token counts. The AI SDK already follows the
 * OpenTelemetry convention (`inputTokens.total` includes cache reads and writes, `outputTokens.total`
 * includes reasoning); when a provider leaves a total out, it is rebuilt from its parts. Anthropic's
 * raw usage splits cache writes by lifetime (priced differently), so that split is kept.
 */
export function tokenUsageFromAiSdk(usage: AiSdkUsage | undefined): TokenUsage {
  const result: TokenUsage = {};
  if (usage === undefined || usage === null) return result;
  const input = usage.inputTokens ?? {};
  const output = usage.outputTokens ?? {};

  const inputTotal =
    countOf(input.total) ??
    sumOf(countOf(input.noCache), countOf(input.cacheRead), countOf(input.cacheWrite));
  const outputTotal =
    countOf(output.total) ?? sumOf(countOf(output.text), countOf(output.reasoning));
  set(result, "inputTokens", inputTotal);
  set(result, "outputTokens", outputTotal);
  if (inputTotal !== undefined && outputTotal !== undefined)
    result.totalTokens = inputTotal + outputTotal;
  set(result, "cacheReadTokens", countOf(input.cacheRead));
  set(result, "reasoningTokens", countOf(output.reasoning));

  const cacheCreation = (usage.raw as { cache_creation?: Record<string, unknown> } | undefined)
    ?.cache_creation;
  const fiveMinutes = countOf(cacheCreation?.ephemeral_5m_input_tokens);
  const oneHour = countOf(cacheCreation?.ephemeral_1h_input_tokens);
  if (fiveMinutes !== undefined || oneHour !== undefined) {
    set(result, "cacheWrite5mTokens", fiveMinutes);
    set(result, "cacheWrite1hTokens", oneHour);
  } else {
    set(result, "cacheWriteTokens", countOf(input.cacheWrite));
  }
  return result;
}

/** llmeter's provider name for an AI SDK `model.provider` (`openai.chat`, `anthropic.messages`, ...). */
export function providerFromAiSdk(provider: string): string {
  const head = provider.toLowerCase().split(".")[0] ?? provider;
  switch (head) {
    case "google":
    case "google-vertex":
    case "vertex":
      return "google";
    case "amazon-bedrock":
      return "bedrock";
    case "azure":
    case "azure-openai":
      return "azure";
    default:
      return head;
  }
}

function countOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function sumOf(...values: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const value of values) if (value !== undefined) total = (total ?? 0) + value;
  return total;
}

function set(usage: TokenUsage, field: Exclude<keyof TokenUsage, "estimated">, value?: number) {
  if (value !== undefined) usage[field] = value;
}
