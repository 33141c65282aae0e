import type { TrackerHandle, TrackInfo } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import { assignDefined, finiteNumber } from "../shared/request-details.ts";
import {
  type AnthropicUsageLike,
  anthropicToolCalls,
  anthropicUsageToTokens,
} from "./anthropic-usage.ts";

/**
 * The Anthropic Messages wire, SDK-free: how a request body and a finished message are read. The
 * SDK integration and the gateway both use it.
 */

/** The request fields that are recorded or decide how a call is measured. */
export interface AnthropicMessageBodyLike {
  model?: string;
  stream?: boolean | null;
  service_tier?: string | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
}

/** A finished message (https://docs.claude.com/en/api/messages). */
export interface AnthropicMessageLike {
  id?: string;
  model?: string;
  stop_reason?: string | null;
  usage?: AnthropicUsageLike | null;
  container?: { id?: string } | null;
}

/** Copies the request parameters of `body` onto `info` (`gen_ai.request.*`). */
export function addAnthropicRequestDetails(
  info: TrackInfo,
  body: AnthropicMessageBodyLike,
): TrackInfo {
  return assignDefined(info, {
    requestMaxTokens: finiteNumber(body.max_tokens),
    requestTemperature: finiteNumber(body.temperature),
    requestTopP: finiteNumber(body.top_p),
    requestTopK: finiteNumber(body.top_k),
  });
}

/**
 * Tells `tracker` what a finished message says: tokens, tool fees, the served model, request id,
 * service tier and stop reason. Does not end the tracker. `requestId` is the response's
 * `request-id` header, preferred over the message id.
 */
export function recordAnthropicMessage(
  message: AnthropicMessageLike | null,
  tracker: TrackerHandle,
  requestId: string | undefined,
): void {
  if (message === null || typeof message !== "object") return;
  if (message.usage != null) tracker.setTokens(anthropicUsageToTokens(message.usage));
  const toolCalls = anthropicToolCalls(message.usage, message.container);
  if (toolCalls !== undefined) tracker.setUsage({ toolCalls });
  rememberResponseId(message.id);
  tracker.setResponse({
    responseModel: message.model || undefined,
    requestId: requestId ?? (message.id || undefined),
    serviceTier: message.usage?.service_tier ?? undefined,
    // One message, one `stop_reason`; the conventions want an array either way.
    finishReasons:
      typeof message.stop_reason === "string" && message.stop_reason !== ""
        ? [message.stop_reason]
        : undefined,
  });
}
