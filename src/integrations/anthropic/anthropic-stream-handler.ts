import type { TrackerHandle } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import {
  endTrackedStream,
  type StreamHandler,
  type StreamOutcome,
} from "../shared/stream-watch.ts";
import {
  type AnthropicUsageLike,
  anthropicToolCalls,
  anthropicUsageToTokens,
  mergeAnthropicUsage,
} from "./anthropic-usage.ts";

interface AnthropicEventLike {
  type?: string;
  message?: {
    id?: string;
    model?: string;
    usage?: AnthropicUsageLike | null;
    container?: { id?: string } | null;
  };
  usage?: AnthropicUsageLike | null;
  delta?: { stop_reason?: string | null; container?: { id?: string } | null } | null;
}

/**
 * Messages stream events: `message_start` carries the input usage, each `message_delta` the
 * cumulative usage so far and the `stop_reason` in its `delta`, the first `content_block_delta` is
 * the first token
 * (https://docs.claude.com/en/docs/build-with-claude/streaming).
 */
export class AnthropicStreamHandler implements StreamHandler<AnthropicEventLike> {
  private chunks = 0;
  private firstContentSeen = false;
  private finalUsageSeen = false;
  private usage: AnthropicUsageLike | undefined;
  private stopReason: string | undefined;
  private container: { id?: string } | undefined;
  private readonly tracker: TrackerHandle;
  private readonly requestId: string | undefined;

  /** `requestId`: the response's `request-id` header, preferred over the message id. */
  constructor(tracker: TrackerHandle, requestId: string | undefined) {
    this.tracker = tracker;
    this.requestId = requestId;
  }

  chunk(value: AnthropicEventLike): AnthropicEventLike | undefined {
    this.chunks += 1;
    switch (value.type) {
      case "content_block_delta":
        if (!this.firstContentSeen) {
          this.firstContentSeen = true;
          this.tracker.firstToken();
        }
        break;
      case "message_start": {
        const message = value.message;
        if (message == null) break;
        if (message.usage != null) this.usage = message.usage;
        if (message.container != null) this.container = message.container;
        rememberResponseId(message.id);
        this.tracker.setResponse({
          responseModel: message.model || undefined,
          requestId: this.requestId ?? (message.id || undefined),
          serviceTier: message.usage?.service_tier ?? undefined,
        });
        break;
      }
      case "message_delta": {
        if (value.usage != null) {
          this.usage = mergeAnthropicUsage(this.usage, value.usage);
          this.finalUsageSeen = true;
        }
        if (value.delta?.container != null) this.container = value.delta.container;
        const stopReason = value.delta?.stop_reason;
        if (typeof stopReason === "string" && stopReason !== "") this.stopReason = stopReason;
        break;
      }
    }
    return value;
  }

  end(outcome: StreamOutcome): void {
    if (this.usage !== undefined) this.tracker.setTokens(anthropicUsageToTokens(this.usage));
    const toolCalls = anthropicToolCalls(this.usage, this.container);
    if (toolCalls !== undefined) this.tracker.setUsage({ toolCalls });
    // One message, one `stop_reason`; the conventions want an array either way.
    if (this.stopReason !== undefined)
      this.tracker.setResponse({ finishReasons: [this.stopReason] });
    endTrackedStream(this.tracker, outcome, {
      chunks: this.chunks,
      finalUsageSeen: this.finalUsageSeen,
    });
  }
}
