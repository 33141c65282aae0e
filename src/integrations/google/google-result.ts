import type { TrackerHandle, TrackInfo } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import { assignDefined, finishReasonsOf, finiteNumber } from "../shared/request-details.ts";
import type { GoogleResponseLike } from "./google-stream-handler.ts";
import { googleToolCalls, googleUsageToTokens } from "./google-usage.ts";

/**
 * The Gemini wire, SDK-free: how generation parameters, a finished `GenerateContentResponse` and
 * an embedding response are read. The SDK integration and the gateway both use it.
 */

/** Generation parameters: the SDK's `config`, the REST API's `generationConfig`. */
export interface GoogleGenerationConfigLike {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/** An embedding response: `embeddings` from `batchEmbedContents` (and the SDK). */
export interface GoogleEmbedResponseLike {
  embeddings?: Array<{ statistics?: { tokenCount?: number } } | undefined>;
  metadata?: { billableCharacterCount?: number };
}

/** Copies the generation parameters onto `info` (`gen_ai.request.*`). */
export function addGoogleRequestDetails(
  info: TrackInfo,
  config: GoogleGenerationConfigLike | null | undefined,
): TrackInfo {
  if (config === null || typeof config !== "object") return info;
  return assignDefined(info, {
    requestMaxTokens: finiteNumber(config.maxOutputTokens),
    requestTemperature: finiteNumber(config.temperature),
    requestTopP: finiteNumber(config.topP),
    requestTopK: finiteNumber(config.topK),
    requestChoiceCount: finiteNumber(config.candidateCount),
    requestSeed: finiteNumber(config.seed),
    requestPresencePenalty: finiteNumber(config.presencePenalty),
    requestFrequencyPenalty: finiteNumber(config.frequencyPenalty),
  });
}

/** Tells `tracker` what a finished response says (tokens, grounding fees, model, id, finish reasons). Does not end it. */
export function recordGoogleResponse(
  response: GoogleResponseLike | null | undefined,
  tracker: TrackerHandle,
): void {
  if (response?.usageMetadata !== undefined)
    tracker.setTokens(googleUsageToTokens(response.usageMetadata));
  const toolCalls = googleToolCalls(response?.candidates);
  if (toolCalls !== undefined) tracker.setUsage({ toolCalls });
  rememberResponseId(response?.responseId);
  tracker.setResponse({
    responseModel: response?.modelVersion || undefined,
    requestId: response?.responseId || undefined,
    finishReasons: finishReasonsOf(response?.candidates, "finishReason"),
  });
}

/**
 * Tells `tracker` what an embedding response says. Vertex AI reports tokens per embedding; the
 * Gemini API reports none (left unknown). Does not end it.
 */
export function recordGoogleEmbedding(
  response: GoogleEmbedResponseLike | null | undefined,
  tracker: TrackerHandle,
): void {
  let tokens: number | undefined;
  for (const embedding of response?.embeddings ?? []) {
    const count = embedding?.statistics?.tokenCount;
    if (typeof count === "number") tokens = (tokens ?? 0) + count;
  }
  if (tokens !== undefined) tracker.setTokens({ inputTokens: tokens, totalTokens: tokens });
  const characters = response?.metadata?.billableCharacterCount;
  if (typeof characters === "number") tracker.setUsage({ characters });
}
