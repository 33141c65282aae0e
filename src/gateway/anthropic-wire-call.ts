import { estimateRequest } from "../budgets/estimate-call.ts";
import {
  type AnthropicMessageBodyLike,
  type AnthropicMessageLike,
  addAnthropicRequestDetails,
  recordAnthropicMessage,
} from "../integrations/anthropic/anthropic-message.ts";
import { AnthropicStreamHandler } from "../integrations/anthropic/anthropic-stream-handler.ts";
import type { TrackInfo } from "../meter/types.ts";
import { bodyObject, headerText, type WireCallReader } from "./wire-call.ts";

/**
 * The Anthropic Messages API: `POST /v1/messages`, streamed or not (beta features use the same
 * path with an `anthropic-beta` header). Token counting and batches are forwarded without an event.
 */
export const readAnthropicCall: WireCallReader = (request, provider) => {
  if (request.method !== "POST" || request.path !== "/v1/messages") return undefined;
  const body = bodyObject(request.body) as AnthropicMessageBodyLike & Record<string, unknown>;
  const info: TrackInfo = {
    provider,
    model: typeof body.model === "string" && body.model !== "" ? body.model : "unknown",
    kind: "llm",
    operation: "chat",
    streaming: body.stream === true,
    estimate: () => estimateRequest(body),
  };
  addAnthropicRequestDetails(info, body);
  return {
    info,
    hideUsage: false,
    streamHandler: (tracker, headers) =>
      new AnthropicStreamHandler(tracker, headerText(headers, "request-id")) as never,
    recordResult: (value, tracker, headers) =>
      recordAnthropicMessage(
        value as AnthropicMessageLike | null,
        tracker,
        headerText(headers, "request-id"),
      ),
  };
};
