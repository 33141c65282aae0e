import type { TrackerHandle } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import {
  endTrackedStream,
  type StreamHandler,
  type StreamOutcome,
} from "../shared/stream-watch.ts";
import {
  type ChatUsageLike,
  chatToolCalls,
  chatUsageToTokens,
  type ResponsesResultLike,
  type ResponsesToolsLike,
  type ResponsesUsageLike,
  recordReportedCost,
  responsesFinishReasons,
  responsesToolCalls,
  responsesUsageToTokens,
} from "./openai-usage.ts";

interface ChatChunkLike {
  id?: string;
  model?: string;
  service_tier?: string | null;
  choices?: Array<
    | { index?: number; delta?: Record<string, unknown> | null; finish_reason?: string | null }
    | undefined
  >;
  usage?: ChatUsageLike | null;
}

/**
 * Chat Completions (and legacy Completions) chunks. With `include_usage` the last chunk has empty
 * `choices` and the usage; every other chunk carries `usage: null`
 * (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options). When we
 * asked for it on the caller's behalf, the usage chunk is hidden and `usage` reads `undefined`,
 * so the caller sees what they would have seen without us. The usage chunk follows the last
 * `finish_reason`: from then on (`mayReplaceNext`) chunks are handed over only after we saw them,
 * which is what lets us hide it; before, we only watch (the caller awaits the SDK's own promises).
 */
export class ChatStreamHandler implements StreamHandler<ChatChunkLike> {
  private chunks = 0;
  private firstContentSeen = false;
  private usage: ChatUsageLike | undefined;
  private responseSeen = false;
  /** One `finish_reason` per choice, at the choice's index; set when the first one arrives. */
  private finishReasons: string[] | undefined;
  private readonly tracker: TrackerHandle;
  private readonly hideUsage: boolean;
  private readonly requestId: string | undefined;

  /** `requestId`: the response's `x-request-id` header, preferred over the completion id. */
  constructor(tracker: TrackerHandle, hideUsage: boolean, requestId: string | undefined) {
    this.tracker = tracker;
    this.hideUsage = hideUsage;
    this.requestId = requestId;
  }

  chunk(value: ChatChunkLike): ChatChunkLike | undefined {
    const usage = value.usage;
    if (usage != null) {
      this.usage = usage;
      if (this.hideUsage && value.choices?.length === 0) {
        this.noteResponse(value);
        return undefined;
      }
    } else if (this.hideUsage && usage === null) {
      // Reads as it would without include_usage (absent is undefined) and JSON.stringify leaves
      // it out. Not `delete`, which drops the parsed object into V8's slow dictionary mode, nor a
      // copy: both cost the caller ~0.4-0.7 µs per chunk (measured with bench/openai-6-peers/integrations.bench.ts).
      value.usage = undefined;
    }
    this.chunks += 1;
    // Azure opens with a chunk that has no id and no model (prompt filter results only).
    if (!this.responseSeen && value.model) this.noteResponse(value);
    if (!this.firstContentSeen && hasContent(value)) {
      this.firstContentSeen = true;
      this.tracker.firstToken();
    }
    const choices = value.choices;
    if (choices !== undefined) {
      for (let position = 0; position < choices.length; position++) {
        const choice = choices[position];
        const reason = choice?.finish_reason;
        if (typeof reason !== "string" || reason === "") continue;
        this.finishReasons ??= [];
        this.finishReasons[typeof choice?.index === "number" ? choice.index : position] = reason;
      }
    }
    return value;
  }

  mayReplaceNext(): boolean {
    return this.hideUsage && this.finishReasons !== undefined;
  }

  end(outcome: StreamOutcome): void {
    if (this.usage !== undefined) {
      this.tracker.setTokens(chatUsageToTokens(this.usage));
      recordReportedCost(this.usage, this.tracker);
      const toolCalls = chatToolCalls(this.usage);
      if (toolCalls !== undefined) this.tracker.setUsage({ toolCalls });
    }
    // In choice order; `filter` also drops the holes of choices that never finished.
    const finishReasons = this.finishReasons?.filter((reason) => reason !== undefined);
    if (finishReasons !== undefined && finishReasons.length > 0)
      this.tracker.setResponse({ finishReasons });
    endTrackedStream(this.tracker, outcome, {
      chunks: this.chunks,
      finalUsageSeen: this.usage !== undefined,
    });
  }

  private noteResponse(value: ChatChunkLike): void {
    this.responseSeen = true;
    rememberResponseId(value.id);
    this.tracker.setResponse({
      responseModel: value.model || undefined,
      requestId: this.requestId ?? (value.id || undefined),
      serviceTier: value.service_tier ?? undefined,
    });
  }
}

/** True when a chat chunk carries generated output (text, a tool call, a refusal, reasoning). */
function hasContent(value: ChatChunkLike): boolean {
  const choices = value.choices;
  if (choices === undefined) return false;
  for (const choice of choices) {
    const delta = choice?.delta;
    if (delta == null) {
      // Legacy Completions chunks carry `text` on the choice itself.
      if (typeof (choice as { text?: unknown } | undefined)?.text === "string") return true;
      continue;
    }
    if (
      (typeof delta.content === "string" && delta.content !== "") ||
      delta.tool_calls != null ||
      delta.function_call != null ||
      (typeof delta.refusal === "string" && delta.refusal !== "") ||
      (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") ||
      (typeof delta.reasoning === "string" && delta.reasoning !== "")
    )
      return true;
  }
  return false;
}

interface ResponsesEventLike {
  type?: string;
  response?: ResponsesResultLike &
    ResponsesToolsLike & {
      id?: string;
      model?: string;
      service_tier?: string | null;
      usage?: ResponsesUsageLike | null;
      error?: { code?: string; message?: string } | null;
    };
  code?: string | null;
  message?: string;
}

/**
 * Responses API events: usage arrives with `response.completed` (or `response.incomplete` /
 * `response.failed`); the first `*.delta` event is the first token
 * (https://platform.openai.com/docs/api-reference/responses-streaming).
 */
export class ResponsesStreamHandler implements StreamHandler<ResponsesEventLike> {
  private chunks = 0;
  private firstContentSeen = false;
  private usageSeen = false;
  private failure: unknown;
  private readonly tracker: TrackerHandle;
  private readonly requestId: string | undefined;

  /** `requestId`: the response's `x-request-id` header, preferred over the response id. */
  constructor(tracker: TrackerHandle, requestId: string | undefined) {
    this.tracker = tracker;
    this.requestId = requestId;
  }

  chunk(value: ResponsesEventLike): ResponsesEventLike | undefined {
    this.chunks += 1;
    const type = value.type;
    if (type === undefined) return value;
    if (!this.firstContentSeen && type.endsWith(".delta")) {
      this.firstContentSeen = true;
      this.tracker.firstToken();
      return value;
    }
    if (
      type === "response.created" ||
      type === "response.completed" ||
      type === "response.incomplete" ||
      type === "response.failed"
    ) {
      const response = value.response;
      if (response === undefined) return value;
      if (type === "response.created") rememberResponseId(response.id);
      this.tracker.setResponse({
        responseModel: response.model || undefined,
        requestId: this.requestId ?? (response.id || undefined),
        serviceTier: response.service_tier ?? undefined,
        finishReasons: responsesFinishReasons(response),
      });
      if (response.usage != null) {
        this.usageSeen = true;
        this.tracker.setTokens(responsesUsageToTokens(response.usage));
        recordReportedCost(response.usage, this.tracker);
        // The final response lists every output item, so its tools are counted once, here.
        const toolCalls = responsesToolCalls(response);
        if (toolCalls !== undefined) this.tracker.setUsage({ toolCalls });
      }
      if (type === "response.failed")
        this.failure = providerError(
          response.error?.code ?? "response_failed",
          response.error?.message,
        );
    } else if (type === "error") {
      this.failure = providerError(value.code ?? "stream_error", value.message);
    }
    return value;
  }

  end(outcome: StreamOutcome): void {
    const finalOutcome: StreamOutcome =
      outcome.type === "complete" && this.failure !== undefined
        ? { type: "error", error: this.failure }
        : outcome;
    endTrackedStream(this.tracker, finalOutcome, {
      chunks: this.chunks,
      finalUsageSeen: this.usageSeen,
    });
  }
}

/** An error reported inside a stream's events rather than thrown: recorded with the provider's code as its type. */
function providerError(code: string, message: string | undefined): Error {
  return Object.assign(new Error(message ?? code), { code });
}
