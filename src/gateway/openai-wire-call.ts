import { estimateRequest } from "../budgets/estimate-call.ts";
import {
  addOpenAIRequestDetails,
  type OpenAIOperation,
  type OpenAIRequestBody,
  type OpenAIResultLike,
  recordOpenAIResult,
  shouldInjectStreamUsage,
} from "../integrations/openai/openai-result.ts";
import {
  ChatStreamHandler,
  ResponsesStreamHandler,
} from "../integrations/openai/openai-stream-handlers.ts";
import type { TrackInfo } from "../meter/types.ts";
import { bodyObject, headerText, type WireCall, type WireCallReader } from "./wire-call.ts";

/**
 * OpenAI and every OpenAI-compatible API (Azure's deployment paths included): the four metered
 * endpoints, by the end of the path, POST only. Everything else (models, files, batches) is
 * forwarded without an event.
 */
export const readOpenAICall: WireCallReader = (request, provider, injectStreamUsage) => {
  if (request.method !== "POST") return undefined;
  const operation = operationOf(request.path);
  if (operation === undefined) return undefined;
  const body = bodyObject(request.body) as OpenAIRequestBody & Record<string, unknown>;
  const streaming = body.stream === true;
  const inject = injectStreamUsage && shouldInjectStreamUsage(operation, body, provider);
  const info: TrackInfo = {
    provider,
    model:
      (typeof body.model === "string" && body.model !== "" ? body.model : undefined) ??
      deploymentOf(request.path) ??
      "unknown",
    kind: operation === "embeddings" ? "embedding" : "llm",
    operation: operation === "responses" ? "chat" : operation,
    streaming,
    estimate: () => estimateRequest(body),
  };
  addOpenAIRequestDetails(info, body, operation);
  const call: WireCall = {
    info,
    hideUsage: inject,
    streamHandler: (tracker, headers) => {
      const requestId = headerText(headers, "x-request-id");
      return (
        operation === "responses"
          ? new ResponsesStreamHandler(tracker, requestId)
          : new ChatStreamHandler(tracker, inject, requestId)
      ) as never;
    },
    recordResult: (value, tracker, headers) =>
      recordOpenAIResult(
        value as OpenAIResultLike | null,
        tracker,
        operation,
        headerText(headers, "x-request-id"),
      ),
  };
  if (inject)
    call.forwardBody = {
      ...body,
      stream_options: { ...body.stream_options, include_usage: true },
    };
  return call;
};

function operationOf(path: string): OpenAIOperation | undefined {
  if (path.endsWith("/chat/completions")) return "chat";
  if (path.endsWith("/responses")) return "responses";
  if (path.endsWith("/embeddings")) return "embeddings";
  if (path.endsWith("/completions")) return "text_completion";
  return undefined;
}

/** Azure names the deployment in the path (`/openai/deployments/<name>/chat/completions`). */
function deploymentOf(path: string): string | undefined {
  const match = /\/deployments\/([^/]+)\//.exec(path);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
