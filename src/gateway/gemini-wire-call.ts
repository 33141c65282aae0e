import { estimateRequest } from "../budgets/estimate-call.ts";
import {
  addGoogleRequestDetails,
  type GoogleEmbedResponseLike,
  type GoogleGenerationConfigLike,
  recordGoogleEmbedding,
  recordGoogleResponse,
} from "../integrations/google/google-result.ts";
import {
  type GoogleResponseLike,
  GoogleStreamHandler,
} from "../integrations/google/google-stream-handler.ts";
import type { TrackInfo } from "../meter/types.ts";
import { bodyObject, type WireCallReader } from "./wire-call.ts";

const MODEL_METHOD = /^\/(?:v1beta|v1|v1alpha)\/(?:models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/**
 * The Gemini API (https://ai.google.dev/api): `models/{model}:generateContent`,
 * `:streamGenerateContent` (SSE with `alt=sse`, else one JSON array), `:embedContent` and
 * `:batchEmbedContents`. Other methods (countTokens, files, caches) are forwarded without an event.
 */
export const readGeminiCall: WireCallReader = (request, provider) => {
  if (request.method !== "POST") return undefined;
  const match = MODEL_METHOD.exec(request.path);
  if (match === null) return undefined;
  const method = match[2];
  const generate = method === "generateContent" || method === "streamGenerateContent";
  const embed = method === "embedContent" || method === "batchEmbedContents";
  if (!generate && !embed) return undefined;
  let model: string;
  try {
    model = decodeURIComponent(match[1] as string);
  } catch {
    model = match[1] as string;
  }
  const body = bodyObject(request.body);
  const info: TrackInfo = {
    provider,
    model,
    kind: generate ? "llm" : "embedding",
    operation: generate ? "generate_content" : "embeddings",
    streaming: method === "streamGenerateContent",
  };
  if (generate) {
    info.estimate = () => estimateRequest(body);
    addGoogleRequestDetails(info, body.generationConfig as GoogleGenerationConfigLike | undefined);
  }
  return {
    info,
    hideUsage: false,
    streamHandler: (tracker) => new GoogleStreamHandler(tracker) as never,
    recordResult: (value, tracker) => {
      if (embed) {
        // `embedContent` answers one `embedding`; `batchEmbedContents` a list of them.
        const response = value as (GoogleEmbedResponseLike & { embedding?: unknown }) | null;
        recordGoogleEmbedding(
          response?.embedding !== undefined
            ? ({ ...response, embeddings: [response.embedding] } as GoogleEmbedResponseLike)
            : response,
          tracker,
        );
        return;
      }
      recordGoogleResponse(value as GoogleResponseLike | null, tracker);
    },
  };
};
