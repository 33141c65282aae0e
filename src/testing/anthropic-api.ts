/**
 * The Anthropic Messages wire format: POST /v1/messages (plain and `stream: true`) and
 * /v1/messages/count_tokens. Streams are named server-sent events (message_start, content_block_start,
 * ping, content_block_delta, content_block_stop, message_delta, message_stop) as documented at
 * https://docs.claude.com/en/docs/build-with-claude/streaming. Usage follows
 * https://docs.claude.com/en/docs/build-with-claude/prompt-caching: `input_tokens` is only the
 * uncached part; cache reads and writes are reported beside it, writes split by TTL in
 * `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`.
 */

import {
  type JsonReply,
  type MockProviderApi,
  type MockReply,
  type MockRequestContext,
  MockRequestError,
  requiredModel,
  type SseEvent,
} from "./mock-reply.ts";
import { responseModelFor } from "./model-snapshots.ts";
import { planReply, THINKING_TEXT } from "./reply-plan.ts";
import {
  cachedTokensFor,
  countJsonTokens,
  countPartTokens,
  countTextTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from "./token-counting.ts";

/** The Anthropic Messages wire format. */
export const anthropicApi: MockProviderApi = {
  name: "anthropic",
  ownsPath: (path) => path.startsWith("/v1/messages") || path.startsWith("/v1/complete"),
  routes: [
    {
      method: "POST",
      match: (path) => (path === "/v1/messages" ? {} : undefined),
      handle: handleMessages,
    },
    {
      method: "POST",
      match: (path) => (path === "/v1/messages/count_tokens" ? {} : undefined),
      handle: handleCountTokens,
    },
  ],
  errorReply: anthropicErrorReply,
};

/** The prompt's token count, split the way Anthropic bills it. */
export interface AnthropicPromptUsage {
  /** Every prompt token: uncached + cache read + cache write. */
  total: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/**
 * Counts the prompt in Anthropic's cache prefix order (tools, system, messages). Each block
 * carrying `cache_control` ends a cache breakpoint: the tokens since the previous breakpoint are
 * written to the cache with that block's TTL ("5m" unless `ttl: "1h"`).
 */
export function countAnthropicPrompt(body: Record<string, unknown>): AnthropicPromptUsage {
  const usage: AnthropicPromptUsage = { total: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  let sinceBreakpoint = 0;
  const add = (tokens: number, block: unknown) => {
    usage.total += tokens;
    sinceBreakpoint += tokens;
    const ttl = cacheTtlOf(block);
    if (ttl === undefined) return;
    if (ttl === "1h") usage.cacheWrite1h += sinceBreakpoint;
    else usage.cacheWrite5m += sinceBreakpoint;
    sinceBreakpoint = 0;
  };
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      const { cache_control: _ignored, ...definition } = (tool ?? {}) as Record<string, unknown>;
      add(countJsonTokens(definition), tool);
    }
  }
  if (typeof body.system === "string") {
    add(MESSAGE_OVERHEAD_TOKENS + countTextTokens(body.system), undefined);
  } else if (Array.isArray(body.system)) {
    add(MESSAGE_OVERHEAD_TOKENS, undefined);
    for (const block of body.system) add(countPartTokens(block), block);
  }
  for (const message of body.messages as unknown[]) {
    const content = (message as Record<string, unknown> | null)?.content;
    add(MESSAGE_OVERHEAD_TOKENS, undefined);
    if (typeof content === "string") add(countTextTokens(content), undefined);
    else if (Array.isArray(content))
      for (const block of content) add(countPartTokens(block), block);
  }
  return usage;
}

function cacheTtlOf(block: unknown): "5m" | "1h" | undefined {
  if (block === null || typeof block !== "object") return undefined;
  const control = (block as Record<string, unknown>).cache_control;
  if (control === null || typeof control !== "object") return undefined;
  return (control as Record<string, unknown>).ttl === "1h" ? "1h" : "5m";
}

function validateMessages(body: Record<string, unknown>): void {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new MockRequestError(400, "messages: Field required (a non-empty array of messages)");
  }
}

function handleCountTokens(context: MockRequestContext): MockReply {
  requiredModel(context.body);
  validateMessages(context.body);
  return {
    kind: "json",
    status: 200,
    headers: { "request-id": context.nextId("req_") },
    body: { input_tokens: countAnthropicPrompt(context.body).total },
  };
}

function handleMessages(context: MockRequestContext): MockReply {
  const { body, options } = context;
  const model = requiredModel(body);
  validateMessages(body);
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new MockRequestError(400, "max_tokens: Field required (a positive integer)");
  }
  const prompt = countAnthropicPrompt(body);
  const serverTools = serverToolUse(body);
  const written = prompt.cacheWrite5m + prompt.cacheWrite1h;
  const cacheRead = Math.min(
    cachedTokensFor(prompt.total, options.cachedShare),
    prompt.total - written,
  );
  const thinking = body.thinking as Record<string, unknown> | undefined | null;
  const thinkingOn = thinking?.type === "enabled" || thinking?.type === "adaptive";
  const plan = planReply(options, {
    reasoning: thinkingOn,
    reasoningBudget:
      typeof thinking?.budget_tokens === "number" ? thinking.budget_tokens : undefined,
    maxOutputTokens: maxTokens,
  });
  const outputTokens = plan.textTokens + plan.reasoningTokens;
  const usage = (output: number, final: boolean) => ({
    input_tokens: prompt.total - written - cacheRead,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: prompt.cacheWrite5m,
      ephemeral_1h_input_tokens: prompt.cacheWrite1h,
    },
    output_tokens: output,
    output_tokens_details: thinkingOn && final ? { thinking_tokens: plan.reasoningTokens } : null,
    service_tier: "standard",
    server_tool_use: serverTools.used ? serverTools.usage : null,
  });
  const container = serverTools.container ? mockContainer(context) : null;
  const stopReason = plan.truncated ? "max_tokens" : "end_turn";
  const signature = Buffer.from(`mock-signature:${plan.reasoningTokens}`).toString("base64");
  const message = (content: unknown[], stop: string | null, output: number, final: boolean) => ({
    id: context.nextId("msg_"),
    type: "message",
    role: "assistant",
    model: responseModelFor(model),
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: usage(output, final),
    container: final ? container : null,
  });
  const headers = { "request-id": context.nextId("req_") };
  if (body.stream !== true) {
    const content: unknown[] = [];
    if (thinkingOn) content.push({ type: "thinking", thinking: THINKING_TEXT, signature });
    content.push({ type: "text", text: plan.text });
    return {
      kind: "json",
      status: 200,
      headers,
      body: message(content, stopReason, outputTokens, true),
    };
  }
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...fields }),
  });
  const textIndex = thinkingOn ? 1 : 0;
  // The thinking block and the text block's start arrive just before the first text delta.
  const firstGroup: SseEvent[] = [];
  if (thinkingOn) {
    firstGroup.push(
      event("content_block_start", {
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
      event("content_block_delta", {
        index: 0,
        delta: { type: "thinking_delta", thinking: THINKING_TEXT },
      }),
      event("content_block_delta", { index: 0, delta: { type: "signature_delta", signature } }),
      event("content_block_stop", { index: 0 }),
    );
  }
  firstGroup.push(
    event("content_block_start", { index: textIndex, content_block: { type: "text", text: "" } }),
  );
  const chunks = plan.chunkTexts.map((text, index) => {
    const delta = event("content_block_delta", {
      index: textIndex,
      delta: { type: "text_delta", text },
    });
    return index === 0 ? [...firstGroup, delta] : [delta];
  });
  if (chunks.length === 0) chunks.push(firstGroup);
  // message_start reports the prompt usage and a placeholder output count of 1, as the real API;
  // message_delta carries the final cumulative totals (MessageDeltaUsage in the SDK's types).
  const { cache_creation: _split, service_tier: _tier, ...finalUsage } = usage(outputTokens, true);
  return {
    kind: "sse",
    headers,
    delimiter: "\n\n",
    opening: [event("message_start", { message: message([], null, 1, false) }), event("ping", {})],
    chunks,
    closing: [
      event("content_block_stop", { index: textIndex }),
      event("message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null, container },
        usage: finalUsage,
      }),
      event("message_stop", {}),
    ],
    // Mid-stream failures arrive as an `error` event, most often overloaded_error.
    streamError: () => [
      event("error", { error: { type: "overloaded_error", message: "Overloaded" } }),
    ],
  };
}

/**
 * The server tools a request offers run as often as their `max_uses` allows (once without it):
 * web search and web fetch are counted in `usage.server_tool_use`
 * (https://docs.claude.com/en/api/messages), code execution names the `container` it ran in.
 */
function serverToolUse(body: Record<string, unknown>): {
  used: boolean;
  usage: { web_search_requests: number; web_fetch_requests: number };
  container: boolean;
} {
  const usage = { web_search_requests: 0, web_fetch_requests: 0 };
  let container = false;
  let used = false;
  for (const tool of Array.isArray(body.tools) ? (body.tools as unknown[]) : []) {
    if (tool === null || typeof tool !== "object") continue;
    const { type, max_uses: maxUses } = tool as { type?: unknown; max_uses?: unknown };
    if (typeof type !== "string") continue;
    const uses = typeof maxUses === "number" && maxUses > 0 ? maxUses : 1;
    if (type.startsWith("web_search_")) usage.web_search_requests += uses;
    else if (type.startsWith("web_fetch_")) usage.web_fetch_requests += uses;
    else if (type.startsWith("code_execution_")) container = true;
    else continue;
    used = true;
  }
  return { used, usage, container };
}

function mockContainer(context: MockRequestContext): { id: string; expires_at: string } {
  return { id: context.nextId("container_"), expires_at: "2030-01-01T00:00:00.000Z" };
}

/** Error types by status: https://docs.claude.com/en/api/errors */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

const DEFAULT_MESSAGES: Record<string, string> = {
  authentication_error: "invalid x-api-key",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "The requested resource could not be found.",
  rate_limit_error: "Number of requests has exceeded your rate limit (mock provider).",
  api_error: "Internal server error",
  overloaded_error: "Overloaded",
  invalid_request_error: "Invalid request (mock provider).",
};

/** Anthropic's error body: `{ type: "error", error: { type, message }, request_id }`. */
function anthropicErrorReply(
  status: number,
  message: string | undefined,
  requestId: string,
): JsonReply {
  const type = anthropicErrorType(status);
  const headers: Record<string, string> = { "request-id": requestId };
  if (status === 429) {
    headers["retry-after-ms"] = "10";
    headers["retry-after"] = "1";
  }
  return {
    kind: "json",
    status,
    headers,
    body: {
      type: "error",
      error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? "Error" },
      request_id: requestId,
    },
  };
}
