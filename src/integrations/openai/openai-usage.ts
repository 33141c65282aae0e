import type { Tracker } from "../../meter/types.ts";
import type { TokenUsage, ToolCalls } from "../../usage/usage-event.ts";
import { type ReportedCount, reportedTokens } from "../shared/token-usage.ts";
import { reportedToolCalls } from "../shared/tool-calls.ts";

/**
 * The cost some OpenAI-compatible servers put in `usage`: what they billed for the call.
 * - xAI: `cost_in_usd_ticks`, an integer where 1 tick is 10⁻¹⁰ USD, in chat completions and
 *   Responses API usage, streamed or not (https://docs.x.ai/developers/cost-tracking).
 * - OpenRouter: `cost` in USD (credits), always in the usage of the response or of the last SSE
 *   chunk; with your own provider key (`is_byok: true`) `cost` is only OpenRouter's fee and
 *   `cost_details.upstream_inference_cost` is what the provider billed your key
 *   (https://openrouter.ai/docs/use-cases/usage-accounting).
 */
export interface ReportedCostLike {
  cost_in_usd_ticks?: number | null;
  cost?: number | null;
  is_byok?: boolean | null;
  cost_details?: { upstream_inference_cost?: number | null } | null;
}

/** xAI ticks per USD (https://docs.x.ai/developers/cost-tracking). */
const XAI_TICKS_PER_USD = 1e10;

/**
 * The cost the server reported for the call, in USD, or `undefined` when it reported none (or
 * something that is not a non-negative number). xAI's ticks win when both are present: they are
 * exact integers. A BYOK OpenRouter call costs its fee plus the upstream inference cost.
 */
export function reportedCostUsd(usage: ReportedCostLike): number | undefined {
  const ticks = usage.cost_in_usd_ticks;
  if (isAmount(ticks)) return ticks / XAI_TICKS_PER_USD;
  const cost = usage.cost;
  if (!isAmount(cost)) return undefined;
  const upstream = usage.cost_details?.upstream_inference_cost;
  return usage.is_byok === true && isAmount(upstream) ? cost + upstream : cost;
}

/**
 * Records the reported cost as the call's cost of record (`priceSource: "provider"`); the meter
 * keeps the catalog's estimate beside it. Does nothing when the server reported no cost.
 */
export function recordReportedCost(
  usage: ReportedCostLike,
  tracker: Pick<Tracker, "setCost">,
): void {
  const costUsd = reportedCostUsd(usage);
  if (costUsd !== undefined) tracker.setCost(costUsd, undefined, "provider");
}

function isAmount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Chat Completions / legacy Completions usage, as OpenAI and compatible servers send it. */
export interface ChatUsageLike extends ReportedCostLike {
  prompt_tokens?: ReportedCount;
  completion_tokens?: ReportedCount;
  total_tokens?: ReportedCount;
  prompt_tokens_details?: { cached_tokens?: ReportedCount } | null;
  completion_tokens_details?: { reasoning_tokens?: ReportedCount } | null;
  /** DeepSeek reports its context cache this way (https://api-docs.deepseek.com/guides/kv_cache). */
  prompt_cache_hit_tokens?: ReportedCount;
  /** xAI: live-search sources used (https://docs.x.ai/docs/guides/live-search). */
  num_sources_used?: ReportedCount;
  /** xAI: server-side tool calls made (https://docs.x.ai/docs/guides/tools/overview). */
  num_server_side_tools_used?: ReportedCount;
}

/** Server-side tool counts of a Chat Completions usage (xAI's, the only server that reports them). */
export function chatToolCalls(usage: ChatUsageLike): ToolCalls | undefined {
  return reportedToolCalls({
    liveSearchSources: usage.num_sources_used,
    serverSideTools: usage.num_server_side_tools_used,
  });
}

/** The parts of a Responses API result that tell which built-in tools ran. */
export interface ResponsesToolsLike {
  output?: ReadonlyArray<{ type?: string; container_id?: string | null } | null> | null;
  /** Aggregated billable tool usage (openai 7 `Response.ToolUsage`). */
  tool_usage?: { web_search?: { num_requests?: ReportedCount } | null } | null;
}

/**
 * Built-in tool uses of a Responses API result, one output item per call
 * (https://platform.openai.com/docs/api-reference/responses/object). Code interpreter bills per
 * container, so calls are counted by distinct `container_id`. When the response carries
 * `tool_usage.web_search.num_requests`, the billed count, it wins over counting items.
 */
export function responsesToolCalls(response: ResponsesToolsLike): ToolCalls | undefined {
  let webSearch = 0;
  let fileSearch = 0;
  let imageGeneration = 0;
  const containers = new Set<string>();
  let unnamedContainers = 0;
  for (const item of response.output ?? []) {
    switch (item?.type) {
      case "web_search_call":
        webSearch += 1;
        break;
      case "file_search_call":
        fileSearch += 1;
        break;
      case "image_generation_call":
        imageGeneration += 1;
        break;
      case "code_interpreter_call":
        if (typeof item.container_id === "string" && item.container_id !== "")
          containers.add(item.container_id);
        else unnamedContainers += 1;
        break;
    }
  }
  const billedSearches = response.tool_usage?.web_search?.num_requests;
  return reportedToolCalls({
    webSearch: typeof billedSearches === "number" ? billedSearches : webSearch,
    fileSearch,
    codeExecutionContainers: containers.size + unnamedContainers,
    imageGeneration,
  });
}

/** Responses API usage (xAI and OpenRouter add their cost to it too). */
export interface ResponsesUsageLike extends ReportedCostLike {
  input_tokens?: ReportedCount;
  output_tokens?: ReportedCount;
  total_tokens?: ReportedCount;
  input_tokens_details?: { cached_tokens?: ReportedCount } | null;
  output_tokens_details?: { reasoning_tokens?: ReportedCount } | null;
}

/**
 * Chat usage in the OpenTelemetry convention. OpenAI's `prompt_tokens` already includes
 * `cached_tokens` and `completion_tokens` already includes `reasoning_tokens`
 * (https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage), so they map
 * one to one. Some compatible servers (xAI) report reasoning outside `completion_tokens`; their
 * own `total_tokens` then equals prompt + completion + reasoning, which is how we tell.
 */
export function chatUsageToTokens(usage: ChatUsageLike): TokenUsage {
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  let output = usage.completion_tokens;
  if (
    typeof reasoning === "number" &&
    reasoning > 0 &&
    typeof output === "number" &&
    typeof usage.prompt_tokens === "number" &&
    usage.total_tokens === usage.prompt_tokens + output + reasoning
  ) {
    output += reasoning;
  }
  return reportedTokens({
    inputTokens: usage.prompt_tokens,
    outputTokens: output,
    totalTokens: usage.total_tokens,
    cacheReadTokens: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens,
    reasoningTokens: reasoning,
  });
}

/**
 * Responses API usage: `input_tokens` includes `cached_tokens`, `output_tokens` includes
 * `reasoning_tokens` (https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage).
 */
export function responsesUsageToTokens(usage: ResponsesUsageLike): TokenUsage {
  return reportedTokens({
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    totalTokens: usage.total_tokens,
    cacheReadTokens: usage.input_tokens_details?.cached_tokens,
    reasoningTokens: usage.output_tokens_details?.reasoning_tokens,
  });
}

/** Embeddings usage: only prompt tokens are billed. */
export function embeddingUsageToTokens(usage: ChatUsageLike): TokenUsage {
  return reportedTokens({
    inputTokens: usage.prompt_tokens,
    totalTokens: usage.total_tokens,
  });
}

/** The parts of a Responses API `Response` that say how it ended. */
export interface ResponsesResultLike {
  status?: string | null;
  incomplete_details?: { reason?: string | null } | null;
}

/**
 * Finish reasons of a Responses API result. It has no per-output `finish_reason`: it has a
 * `status`, and when that is `incomplete`, `incomplete_details.reason` (`max_output_tokens`,
 * `content_filter`) says why (https://platform.openai.com/docs/api-reference/responses/object).
 * Recorded as the provider says it, like chat's `finish_reason`: `["completed"]`, or the
 * incomplete reason. Other statuses (`failed`, `in_progress`, ...) give none; a failed response
 * is recorded as an error.
 */
export function responsesFinishReasons(response: ResponsesResultLike): string[] | undefined {
  if (response.status === "completed") return ["completed"];
  if (response.status !== "incomplete") return undefined;
  const reason = response.incomplete_details?.reason;
  return [typeof reason === "string" && reason !== "" ? reason : "incomplete"];
}
