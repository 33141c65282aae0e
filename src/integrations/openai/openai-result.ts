import type { TrackerHandle, TrackInfo } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import { finishReasonsOf, finiteNumber } from "../shared/request-details.ts";
import {
  type ChatUsageLike,
  chatToolCalls,
  chatUsageToTokens,
  embeddingUsageToTokens,
  type ResponsesResultLike,
  type ResponsesToolsLike,
  type ResponsesUsageLike,
  recordReportedCost,
  responsesFinishReasons,
  responsesToolCalls,
  responsesUsageToTokens,
} from "./openai-usage.ts";

/**
 * The OpenAI wire, SDK-free: how a request body and a finished result of the Chat Completions,
 * Responses, legacy Completions and Embeddings APIs are read. The SDK integration and the gateway
 * both use it, so the two never read a provider's usage differently.
 */

/** Which OpenAI API a call went to. */
export type OpenAIOperation = "chat" | "responses" | "text_completion" | "embeddings";

/** The request fields that are recorded or decide how a call is measured. */
export interface OpenAIRequestBody {
  model?: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  service_tier?: string | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  seed?: number | null;
  n?: number | null;
}

/**
 * Servers that end every chat stream with its usage whether or not it was asked for: OpenRouter
 * (`stream_options.include_usage` is deprecated there and has no effect,
 * https://openrouter.ai/docs/use-cases/usage-accounting). Asking would change nothing, and hiding
 * the usage chunk would take from the caller what the server always sends.
 */
const STREAMS_USAGE_UNASKED: ReadonlySet<string> = new Set(["openrouter"]);

/**
 * Whether a streamed call gets `stream_options.include_usage` added on the caller's behalf: only
 * chat and legacy completions have it, only when the caller left it unset (an explicit `false` is
 * a choice we respect), and not for a `provider` that streams usage unasked.
 */
export function shouldInjectStreamUsage(
  operation: OpenAIOperation,
  body: OpenAIRequestBody,
  provider: string,
): boolean {
  return (
    body.stream === true &&
    (operation === "chat" || operation === "text_completion") &&
    body.stream_options?.include_usage == null &&
    !STREAMS_USAGE_UNASKED.has(provider)
  );
}

/**
 * Copies the request parameters of `body` onto `info` (`gen_ai.request.*`). Field by field rather
 * than through a details object: this runs on every call. Absent values stay absent keys.
 * `max_completion_tokens` replaced `max_tokens` on chat; the Responses API says `max_output_tokens`.
 */
export function addOpenAIRequestDetails(
  info: TrackInfo,
  body: OpenAIRequestBody,
  operation: OpenAIOperation,
): TrackInfo {
  if (typeof body.service_tier === "string") info.serviceTier = body.service_tier;
  if (operation === "embeddings") return info;
  const maxTokens = finiteNumber(
    body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens,
  );
  if (maxTokens !== undefined) info.requestMaxTokens = maxTokens;
  const temperature = finiteNumber(body.temperature);
  if (temperature !== undefined) info.requestTemperature = temperature;
  const topP = finiteNumber(body.top_p);
  if (topP !== undefined) info.requestTopP = topP;
  const frequencyPenalty = finiteNumber(body.frequency_penalty);
  if (frequencyPenalty !== undefined) info.requestFrequencyPenalty = frequencyPenalty;
  const presencePenalty = finiteNumber(body.presence_penalty);
  if (presencePenalty !== undefined) info.requestPresencePenalty = presencePenalty;
  const seed = finiteNumber(body.seed);
  if (seed !== undefined) info.requestSeed = seed;
  const choiceCount = finiteNumber(body.n);
  if (choiceCount !== undefined) info.requestChoiceCount = choiceCount;
  return info;
}

/** A finished (not streamed) result of any of the four APIs. */
export interface OpenAIResultLike extends ResponsesResultLike, ResponsesToolsLike {
  _request_id?: string | null;
  id?: string;
  model?: string;
  service_tier?: string | null;
  usage?: (ChatUsageLike & ResponsesUsageLike) | null;
  error?: { code?: string; message?: string } | null;
  choices?: unknown;
}

/**
 * Tells `tracker` what a finished result says: tokens, tool fees, the served model, request id,
 * service tier and finish reasons, and a failed Responses API result as an error. Does not end the
 * tracker. `requestId` is the response's `x-request-id` header, preferred over the result's id.
 */
export function recordOpenAIResult(
  result: OpenAIResultLike | null,
  tracker: TrackerHandle,
  operation: OpenAIOperation,
  requestId: string | null | undefined,
): void {
  if (result === null || typeof result !== "object") return;
  const usage = result.usage;
  if (usage != null) {
    tracker.setTokens(
      operation === "responses"
        ? responsesUsageToTokens(usage)
        : operation === "embeddings"
          ? embeddingUsageToTokens(usage)
          : chatUsageToTokens(usage),
    );
    recordReportedCost(usage, tracker);
  }
  const toolCalls =
    operation === "responses"
      ? responsesToolCalls(result)
      : operation === "embeddings" || usage == null
        ? undefined
        : chatToolCalls(usage);
  if (toolCalls !== undefined) tracker.setUsage({ toolCalls });
  tracker.setResponse({
    responseModel: result.model || undefined,
    requestId: requestId || result.id || undefined,
    serviceTier: result.service_tier ?? undefined,
    // Chat and legacy completions: one `finish_reason` per choice; the Responses API: its status.
    finishReasons:
      operation === "responses"
        ? responsesFinishReasons(result)
        : operation === "embeddings"
          ? undefined
          : finishReasonsOf(result.choices, "finish_reason"),
  });
  rememberResponseId(result.id);
  if (operation === "responses" && result.status === "failed") {
    tracker.setError(
      Object.assign(new Error(result.error?.message ?? "response failed"), {
        code: result.error?.code ?? "response_failed",
      }),
    );
  }
}
