/**
 * The OpenAI wire format: POST /v1/chat/completions, /v1/responses and /v1/embeddings, plain and
 * streamed, framed as the real API frames them (API reference: https://platform.openai.com/docs/api-reference
 * and the `openai` SDK's own types: resources/chat/completions, resources/responses,
 * resources/embeddings). Streams are `data: {json}\n\n` server-sent events; chat completions end
 * with `data: [DONE]` and send the usage-only chunk (empty `choices`) only when the caller asked
 * for it with `stream_options.include_usage`; the Responses API sends typed `event:` names.
 */

import { embeddingFor, embeddingToBase64 } from "./deterministic-embedding.ts";
import type { MockReportedCost } from "./mock-provider-options.ts";
import {
  type JsonReply,
  type MockProviderApi,
  type MockReply,
  type MockRequestContext,
  MockRequestError,
  optionalCount,
  requiredModel,
  type SseEvent,
} from "./mock-reply.ts";
import { responseModelFor } from "./model-snapshots.ts";
import { planReply } from "./reply-plan.ts";
import {
  cachedTokensFor,
  countContentTokens,
  countJsonTokens,
  countTextTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from "./token-counting.ts";

const SYSTEM_FINGERPRINT = "fp_mock0000";

const SERVER_ERROR = {
  message: "The server had an error while processing your request. Sorry about that!",
  type: "server_error",
  param: null,
  code: null,
};

/**
 * Reasoning models report `reasoning_tokens`: the o-series and GPT-5 family, except the
 * non-reasoning chat variants (gpt-5-chat-latest). https://platform.openai.com/docs/guides/reasoning
 */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model) && !model.includes("-chat");
}

/**
 * The OpenAI wire format, served under /v1 (OpenAI and compatible servers) and under the Azure
 * OpenAI paths the `AzureOpenAI` client uses: /openai/deployments/{deployment}/... and
 * /openai/v1/... (https://learn.microsoft.com/azure/ai-foundry/openai/reference).
 */
export const openaiApi: MockProviderApi = {
  name: "openai",
  ownsPath: (path) => path.startsWith("/v1/") || path.startsWith("/openai/"),
  routes: [
    { method: "POST", match: endpoint("chat/completions"), handle: handleChatCompletions },
    { method: "POST", match: endpoint("responses"), handle: handleResponses },
    { method: "POST", match: endpoint("embeddings"), handle: handleEmbeddings },
  ],
  errorReply: openaiErrorReply,
};

const OPENAI_PATH =
  /^(?:\/v1|\/openai(?:\/deployments\/([^/]+)|\/v1)?)\/(chat\/completions|responses|embeddings)$/;

function endpoint(name: string) {
  return (path: string): Record<string, string> | undefined => {
    const match = OPENAI_PATH.exec(path);
    if (!match || match[2] !== name) return undefined;
    const params: Record<string, string> = {};
    if (path.startsWith("/openai/")) params.azure = "true";
    if (match[1] !== undefined) params.deployment = decodeURIComponent(match[1]);
    return params;
  };
}

/** The model a response reports: an Azure deployment's model, else the dated snapshot. */
function reportedModel(context: MockRequestContext, model: string): string {
  if (context.params.azure === undefined) return responseModelFor(model);
  const deployment = context.params.deployment ?? model;
  return context.options.deployments[deployment] ?? responseModelFor(deployment);
}

/** Azure's content-filter annotations (every category "safe"), present on Azure responses. */
const SAFE_FILTER_RESULTS = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: SAFE_FILTER_RESULTS }];

/** The model named in the body, or (Azure deployment routes) the deployment. */
function requestedModel(context: MockRequestContext): string {
  if (context.params.deployment !== undefined && typeof context.body.model !== "string") {
    return context.params.deployment;
  }
  return requiredModel(context.body);
}

/**
 * The provider's cost field for `reportedCost`: xAI's integer ticks, OpenRouter's USD with
 * `is_byok` and `cost_details` as its usage accounting shows them (a credits call: no upstream cost).
 */
function reportedCostFields(
  cost: MockReportedCost | undefined,
  inputTokens: number,
  outputTokens: number,
): Record<string, unknown> {
  if (cost === undefined) return {};
  const usd = (inputTokens * cost.inputPerMillion + outputTokens * cost.outputPerMillion) / 1e6;
  // xAI's usage also counts the live-search sources it used (none here).
  if (cost.format === "xai")
    return { num_sources_used: 0, cost_in_usd_ticks: Math.round(usd * 1e10) };
  return { cost: usd, is_byok: false, cost_details: { upstream_inference_cost: null } };
}

function openaiHeaders(context: MockRequestContext): Record<string, string> {
  return {
    "x-request-id": context.nextId("req_"),
    "openai-processing-ms": "1",
    "openai-version": "2020-10-01",
  };
}

/** The service tier the API reports: requests for "auto" (or none) run on "default". */
function serviceTierFor(requested: unknown): string {
  return typeof requested === "string" && requested !== "auto" ? requested : "default";
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function promptTokensOf(items: unknown[], tools: unknown): number {
  let tokens = 0;
  for (const item of items) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    if (item === null || typeof item !== "object") continue;
    const record = item as Record<string, unknown>;
    tokens += countContentTokens(record.content);
    // Responses API items that are not messages (function_call, function_call_output).
    if (typeof record.output === "string") tokens += countTextTokens(record.output);
    if (typeof record.arguments === "string") tokens += countTextTokens(record.arguments);
  }
  if (Array.isArray(tools) && tools.length > 0) tokens += countJsonTokens(tools);
  return tokens;
}

function handleChatCompletions(context: MockRequestContext): MockReply {
  const { body, options } = context;
  const model = requestedModel(context);
  const azure = context.params.azure !== undefined;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new MockRequestError(400, "messages: a non-empty array of messages is required");
  }
  const promptTokens = promptTokensOf(messages, body.tools);
  const cachedTokens = cachedTokensFor(promptTokens, options.cachedShare);
  const plan = planReply(options, {
    reasoning: isOpenAIReasoningModel(model) && body.reasoning_effort !== "none",
    maxOutputTokens:
      optionalCount(body, "max_completion_tokens") ?? optionalCount(body, "max_tokens"),
  });
  const completionTokens = plan.textTokens + plan.reasoningTokens;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: plan.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  Object.assign(usage, reportedCostFields(options.reportedCost, promptTokens, completionTokens));
  const finishReason = plan.truncated ? "length" : "stop";
  const common = {
    id: context.nextId("chatcmpl-"),
    created: nowSeconds(),
    model: reportedModel(context, model),
    service_tier: serviceTierFor(body.service_tier),
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  const headers = openaiHeaders(context);
  if (body.stream !== true) {
    return {
      kind: "json",
      status: 200,
      headers,
      body: {
        id: common.id,
        object: "chat.completion",
        created: common.created,
        model: common.model,
        ...(azure ? { prompt_filter_results: PROMPT_FILTER_RESULTS } : {}),
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: plan.text, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
            ...(azure ? { content_filter_results: SAFE_FILTER_RESULTS } : {}),
          },
        ],
        usage,
        service_tier: common.service_tier,
        system_fingerprint: common.system_fingerprint,
      },
    };
  }
  const streamOptions = body.stream_options as Record<string, unknown> | undefined | null;
  // OpenRouter always ends a stream with its usage; the option is deprecated there.
  const includeUsage =
    streamOptions?.include_usage === true || options.reportedCost?.format === "openrouter";
  // With include_usage every chunk carries `"usage": null`, and one extra chunk carries the usage.
  const chunk = (choice: Record<string, unknown>): SseEvent => ({
    data: JSON.stringify({
      id: common.id,
      object: "chat.completion.chunk",
      created: common.created,
      model: common.model,
      service_tier: common.service_tier,
      system_fingerprint: common.system_fingerprint,
      choices: [{ index: 0, ...choice, logprobs: null }],
      ...(includeUsage ? { usage: null } : {}),
    }),
  });
  const closing: SseEvent[] = [chunk({ delta: {}, finish_reason: finishReason })];
  if (includeUsage) {
    closing.push({
      data: JSON.stringify({
        id: common.id,
        object: "chat.completion.chunk",
        created: common.created,
        model: common.model,
        service_tier: common.service_tier,
        system_fingerprint: common.system_fingerprint,
        choices: [],
        usage,
      }),
    });
  }
  closing.push({ data: "[DONE]" });
  const opening = [
    chunk({ delta: { role: "assistant", content: "", refusal: null }, finish_reason: null }),
  ];
  if (azure) {
    // Azure opens its streams with a chunk that has empty choices, no id and no model, carrying
    // only the prompt filter results: code that takes "empty choices" for the usage chunk breaks.
    opening.unshift({
      data: JSON.stringify({
        choices: [],
        created: 0,
        id: "",
        model: "",
        object: "",
        prompt_filter_results: PROMPT_FILTER_RESULTS,
      }),
    });
  }
  return {
    kind: "sse",
    headers,
    delimiter: "\n\n",
    opening,
    // Chat completion streams report a failure as a data event holding an `error` object.
    streamError: () => [{ data: JSON.stringify({ error: SERVER_ERROR }) }],
    chunks: plan.chunkTexts.map((text) => [
      chunk({ delta: { content: text }, finish_reason: null }),
    ]),
    closing,
  };
}

function handleResponses(context: MockRequestContext): MockReply {
  const { body, options } = context;
  const model = requestedModel(context);
  const input = body.input;
  let items: unknown[];
  if (typeof input === "string") items = [{ role: "user", content: input }];
  else if (Array.isArray(input)) items = input;
  else throw new MockRequestError(400, "input: a string or an array of input items is required");
  if (typeof body.instructions === "string") {
    items = [{ role: "developer", content: body.instructions }, ...items];
  }
  const promptTokens = promptTokensOf(items, body.tools);
  const cachedTokens = cachedTokensFor(promptTokens, options.cachedShare);
  const reasoningRequest = body.reasoning as Record<string, unknown> | undefined | null;
  const reasoning = isOpenAIReasoningModel(model) && reasoningRequest?.effort !== "none";
  const plan = planReply(options, {
    reasoning,
    maxOutputTokens: optionalCount(body, "max_output_tokens"),
  });
  const outputTokens = plan.textTokens + plan.reasoningTokens;
  const usage = {
    input_tokens: promptTokens,
    input_tokens_details: { cached_tokens: cachedTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: plan.reasoningTokens },
    total_tokens: promptTokens + outputTokens,
    ...reportedCostFields(options.reportedCost, promptTokens, outputTokens),
  };
  const finalStatus = plan.truncated ? "incomplete" : "completed";
  const responseId = context.nextId("resp_");
  const messageId = context.nextId("msg_");
  const reasoningItem = reasoning
    ? { id: context.nextId("rs_"), type: "reasoning", summary: [] }
    : undefined;
  const part = (text: string) => ({ type: "output_text", annotations: [], logprobs: [], text });
  const messageItem = (status: string, content: unknown[]) => ({
    id: messageId,
    type: "message",
    status,
    role: "assistant",
    content,
  });
  const finalOutput = [
    ...(reasoningItem ? [reasoningItem] : []),
    ...builtInToolItems(body.tools, context),
    messageItem(finalStatus, [part(plan.text)]),
  ];
  const createdAt = nowSeconds();
  const responseObject = (status: string, output: unknown[], withUsage: boolean) => ({
    id: responseId,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: reportedModel(context, model),
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: reasoning
      ? { effort: reasoningRequest?.effort ?? "medium", summary: null }
      : { effort: null, summary: null },
    service_tier: serviceTierFor(body.service_tier),
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    usage: withUsage ? usage : null,
    user: body.user ?? null,
  });
  const headers = openaiHeaders(context);
  if (body.stream !== true) {
    return {
      kind: "json",
      status: 200,
      headers,
      body: responseObject(finalStatus, finalOutput, true),
    };
  }
  // Events carry a strictly increasing sequence_number, assigned here in sending order.
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, sequence_number: sequence++, ...fields }),
  });
  const reasoningIndex = 0;
  const messageIndex = reasoningItem ? 1 : 0;
  const opening = [
    event("response.created", { response: responseObject("in_progress", [], false) }),
    event("response.in_progress", { response: responseObject("in_progress", [], false) }),
  ];
  // The reasoning item and the message's opening events arrive just before the first delta.
  const firstGroup: SseEvent[] = [];
  if (reasoningItem) {
    firstGroup.push(
      event("response.output_item.added", { output_index: reasoningIndex, item: reasoningItem }),
      event("response.output_item.done", { output_index: reasoningIndex, item: reasoningItem }),
    );
  }
  firstGroup.push(
    event("response.output_item.added", {
      output_index: messageIndex,
      item: messageItem("in_progress", []),
    }),
    event("response.content_part.added", {
      item_id: messageId,
      output_index: messageIndex,
      content_index: 0,
      part: part(""),
    }),
  );
  const chunks: SseEvent[][] = plan.chunkTexts.map((delta, index) => {
    const deltaEvent = event("response.output_text.delta", {
      item_id: messageId,
      output_index: messageIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
    return index === 0 ? [...firstGroup, deltaEvent] : [deltaEvent];
  });
  if (chunks.length === 0) chunks.push(firstGroup);
  const closing = [
    event("response.output_text.done", {
      item_id: messageId,
      output_index: messageIndex,
      content_index: 0,
      text: plan.text,
      logprobs: [],
    }),
    event("response.content_part.done", {
      item_id: messageId,
      output_index: messageIndex,
      content_index: 0,
      part: part(plan.text),
    }),
    event("response.output_item.done", {
      output_index: messageIndex,
      item: messageItem(finalStatus, [part(plan.text)]),
    }),
    event(plan.truncated ? "response.incomplete" : "response.completed", {
      response: responseObject(finalStatus, finalOutput, true),
    }),
  ];
  // The Responses API reports a failure as a typed `error` event.
  const streamError = (eventsSent: number): SseEvent[] => [
    {
      event: "error",
      data: JSON.stringify({
        type: "error",
        sequence_number: eventsSent,
        code: "server_error",
        message: SERVER_ERROR.message,
        param: null,
      }),
    },
  ];
  return { kind: "sse", headers, delimiter: "\n\n", opening, chunks, closing, streamError };
}

/** Default vector sizes: https://platform.openai.com/docs/guides/embeddings#embedding-models */
function defaultDimensions(model: string): number {
  return model.includes("3-large") ? 3072 : 1536;
}

function handleEmbeddings(context: MockRequestContext): MockReply {
  const { body } = context;
  const model = requestedModel(context);
  const inputs = embeddingInputs(body.input);
  const reported = context.params.azure === undefined ? model : reportedModel(context, model);
  const dimensions = optionalCount(body, "dimensions") ?? defaultDimensions(reported);
  if (dimensions < 1) throw new MockRequestError(400, "dimensions: must be at least 1");
  const base64 = body.encoding_format === "base64";
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    promptTokens += typeof input === "string" ? countTextTokens(input) : input.length;
    const vector = embeddingFor(typeof input === "string" ? input : input.join(","), dimensions);
    return { object: "embedding", index, embedding: base64 ? embeddingToBase64(vector) : vector };
  });
  return {
    kind: "json",
    status: 200,
    headers: openaiHeaders(context),
    body: {
      object: "list",
      data,
      model: reported,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

/** Accepts a string, an array of strings, an array of token ids or an array of those. */
function embeddingInputs(input: unknown): Array<string | number[]> {
  const invalid = () =>
    new MockRequestError(
      400,
      "input: expected a non-empty string, an array of non-empty strings, or arrays of token ids",
    );
  if (typeof input === "string") {
    if (input === "") throw invalid();
    return [input];
  }
  if (!Array.isArray(input) || input.length === 0) throw invalid();
  if (input.every((item) => typeof item === "number")) return [input as number[]];
  return input.map((item) => {
    if (typeof item === "string" && item !== "") return item;
    if (Array.isArray(item) && item.length > 0 && item.every((id) => typeof id === "number")) {
      return item as number[];
    }
    throw invalid();
  });
}

/**
 * OpenAI's error body: `{ error: { message, type, param, code } }`
 * (https://platform.openai.com/docs/guides/error-codes). The SDK maps the status to its typed
 * errors (RateLimitError for 429, InternalServerError for >= 500, ...).
 */
function openaiErrorReply(
  status: number,
  message: string | undefined,
  requestId: string,
): JsonReply {
  const headers: Record<string, string> = { "x-request-id": requestId };
  let error: Record<string, unknown>;
  switch (status) {
    case 401:
      error = {
        message:
          message ??
          "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      };
      break;
    case 404:
      error = {
        message: message ?? "The model does not exist or you do not have access to it.",
        type: "invalid_request_error",
        param: null,
        code: message ? null : "model_not_found",
      };
      break;
    case 429:
      error = {
        message:
          message ?? "Rate limit reached for requests (mock provider). Please try again shortly.",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      };
      // Short waits so an SDK that does retry (maxRetries > 0) retries at once in tests.
      headers["retry-after-ms"] = "10";
      headers["retry-after"] = "1";
      break;
    default:
      if (status >= 500) {
        error = {
          message:
            message ?? "The server had an error while processing your request. Sorry about that!",
          type: "server_error",
          param: null,
          code: null,
        };
      } else {
        error = {
          message: message ?? "Invalid request (mock provider).",
          type: "invalid_request_error",
          param: null,
          code: null,
        };
      }
  }
  return { kind: "json", status, headers, body: { error } };
}

/**
 * One output item per built-in tool the request offers, in the shapes of the Responses API
 * reference (https://platform.openai.com/docs/api-reference/responses/object): the mock runs each
 * tool once, so a test can check that llmeter counts what the response lists.
 */
function builtInToolItems(tools: unknown, context: MockRequestContext): unknown[] {
  const items: unknown[] = [];
  for (const tool of Array.isArray(tools) ? (tools as unknown[]) : []) {
    const type =
      tool !== null && typeof tool === "object" ? (tool as { type?: unknown }).type : undefined;
    if (type === "web_search" || type === "web_search_preview") {
      items.push({
        id: context.nextId("ws_"),
        type: "web_search_call",
        status: "completed",
        action: { type: "search", query: "mock query" },
      });
    } else if (type === "file_search") {
      items.push({
        id: context.nextId("fs_"),
        type: "file_search_call",
        status: "completed",
        queries: ["mock query"],
        results: null,
      });
    } else if (type === "code_interpreter") {
      items.push({
        id: context.nextId("ci_"),
        type: "code_interpreter_call",
        status: "completed",
        container_id: context.nextId("cntr_"),
        code: "print(1)",
        outputs: null,
      });
    } else if (type === "image_generation") {
      items.push({
        id: context.nextId("ig_"),
        type: "image_generation_call",
        status: "completed",
        result: "iVBORw0KGgo=",
      });
    }
  }
  return items;
}
