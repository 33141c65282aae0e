/**
 * The Gemini API wire format used by `@google/genai` (https://ai.google.dev/api):
 * POST /v1beta/models/{model}:generateContent, :streamGenerateContent?alt=sse, :countTokens,
 * :embedContent and :batchEmbedContents (the SDK's `models.embedContent` calls the batch method).
 * Streams are `data: {json}\r\n\r\n` events, each a partial GenerateContentResponse whose
 * `usageMetadata` holds running totals (candidates so far); the last one carries `finishReason`
 * and the final counts (as in https://github.com/simonw/llm-gemini/issues/97). As in the real
 * API's JSON, zero counts are omitted (proto3 JSON drops default values), and
 * `candidatesTokenCount` excludes thoughts:
 * totalTokenCount = promptTokenCount + candidatesTokenCount + thoughtsTokenCount +
 * toolUsePromptTokenCount (https://ai.google.dev/api/generate-content#UsageMetadata).
 */

import { embeddingFor } from "./deterministic-embedding.ts";
import {
  type JsonReply,
  type MockProviderApi,
  type MockReply,
  type MockRequestContext,
  MockRequestError,
  optionalCount,
  type SseEvent,
} from "./mock-reply.ts";
import { planReply, THINKING_TEXT } from "./reply-plan.ts";
import {
  cachedTokensFor,
  countContentTokens,
  countJsonTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from "./token-counting.ts";

/** Prompt tokens a built-in tool (Google Search, code execution, URL context) adds per call. */
export const TOOL_USE_PROMPT_TOKENS = 64;

const BUILT_IN_TOOLS = ["googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext"];

const MODEL_PATH = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):([A-Za-z]+)$/;

/** The Gemini API wire format. */
export const geminiApi: MockProviderApi = {
  name: "gemini",
  ownsPath: (path) => /^\/(v1beta|v1alpha)\//.test(path) || path.startsWith("/v1/models/"),
  routes: [
    { method: "POST", match: modelMethod("generateContent"), handle: handleGenerate },
    { method: "POST", match: modelMethod("streamGenerateContent"), handle: handleGenerate },
    { method: "POST", match: modelMethod("countTokens"), handle: handleCountTokens },
    { method: "POST", match: modelMethod("embedContent"), handle: handleEmbedContent },
    { method: "POST", match: modelMethod("batchEmbedContents"), handle: handleBatchEmbed },
  ],
  errorReply: geminiErrorReply,
};

function modelMethod(method: string) {
  return (path: string) => {
    const match = MODEL_PATH.exec(path);
    if (!match || match[3] !== method) return undefined;
    return { model: decodeURIComponent(match[2] as string), method };
  };
}

/**
 * Gemini 2.5 and later think by default (2.5 Flash-Lite only with a thinking budget); a
 * `thinkingBudget` of 0 turns thinking off. https://ai.google.dev/gemini-api/docs/thinking
 */
function thinkingFor(model: string, generationConfig: Record<string, unknown>) {
  const thinkingConfig = (generationConfig.thinkingConfig ?? {}) as Record<string, unknown>;
  const budget =
    typeof thinkingConfig.thinkingBudget === "number" ? thinkingConfig.thinkingBudget : undefined;
  const thinksByDefault = /^gemini-(2\.5|[3-9])/.test(model) && !model.includes("flash-lite");
  const thinks = budget === undefined ? thinksByDefault : budget !== 0;
  return {
    thinks,
    budget: budget !== undefined && budget > 0 ? budget : undefined,
    includeThoughts: thinkingConfig.includeThoughts === true,
  };
}

function promptTokensOf(body: Record<string, unknown>): number {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new MockRequestError(400, "contents: a non-empty array of contents is required");
  }
  let tokens = 0;
  const system = body.systemInstruction as Record<string, unknown> | undefined;
  if (system && typeof system === "object") {
    tokens += MESSAGE_OVERHEAD_TOKENS + countContentTokens(system.parts);
  }
  for (const content of contents) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    tokens += countContentTokens((content as Record<string, unknown> | null)?.parts);
  }
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools as Array<Record<string, unknown>>) {
      if (tool?.functionDeclarations) tokens += countJsonTokens(tool.functionDeclarations);
    }
  }
  return tokens;
}

function toolUsePromptTokensOf(body: Record<string, unknown>): number {
  if (!Array.isArray(body.tools)) return 0;
  let tokens = 0;
  for (const tool of body.tools as Array<Record<string, unknown>>) {
    for (const name of BUILT_IN_TOOLS) if (tool && name in tool) tokens += TOOL_USE_PROMPT_TOKENS;
  }
  return tokens;
}

/** Copies the non-zero counts only, as proto3 JSON does. */
function withoutZeros(counts: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(counts)) if (value !== 0) result[key] = value;
  return result;
}

function handleGenerate(context: MockRequestContext): MockReply {
  const { body, options, params } = context;
  const model = params.model as string;
  const generationConfig = (body.generationConfig ?? {}) as Record<string, unknown>;
  const promptTokens = promptTokensOf(body);
  const cachedTokens = cachedTokensFor(promptTokens, options.cachedShare);
  const toolUseTokens = toolUsePromptTokensOf(body);
  const thinking = thinkingFor(model, generationConfig);
  const plan = planReply(options, {
    reasoning: thinking.thinks,
    reasoningBudget: thinking.budget,
    maxOutputTokens: optionalCount(generationConfig, "maxOutputTokens"),
  });
  // Stream chunks report running totals (cumulative candidates so far); the last one is final.
  const usageAfter = (textTokens: number) => {
    const usage = withoutZeros({
      promptTokenCount: promptTokens,
      candidatesTokenCount: textTokens,
      totalTokenCount: promptTokens + textTokens + plan.reasoningTokens + toolUseTokens,
      cachedContentTokenCount: cachedTokens,
      thoughtsTokenCount: plan.reasoningTokens,
      toolUsePromptTokenCount: toolUseTokens,
    });
    usage.promptTokensDetails = [{ modality: "TEXT", tokenCount: promptTokens }];
    if (cachedTokens > 0) {
      usage.cacheTokensDetails = [{ modality: "TEXT", tokenCount: cachedTokens }];
    }
    return usage;
  };
  const finishReason = plan.truncated ? "MAX_TOKENS" : "STOP";
  const grounded =
    Array.isArray(body.tools) &&
    (body.tools as Array<Record<string, unknown> | null>).some(
      (tool) => tool?.googleSearch != null,
    );
  const responseId = context.nextId("");
  const thoughtParts =
    thinking.thinks && thinking.includeThoughts && plan.reasoningTokens > 0
      ? [{ text: THINKING_TEXT, thought: true }]
      : [];
  const response = (parts: unknown[], textTokensSoFar: number, final: boolean) => ({
    candidates: [
      {
        content: { parts, role: "model" },
        ...(final ? { finishReason } : {}),
        ...(final && grounded ? { groundingMetadata: GROUNDING_METADATA } : {}),
        index: 0,
      },
    ],
    usageMetadata: usageAfter(textTokensSoFar),
    modelVersion: model,
    responseId,
  });
  if (params.method === "generateContent") {
    return {
      kind: "json",
      status: 200,
      headers: {},
      body: response([...thoughtParts, { text: plan.text }], plan.textTokens, true),
    };
  }
  const pieces = plan.chunkTexts.length > 0 ? plan.chunkTexts : [""];
  let textTokensSoFar = 0;
  const chunks: SseEvent[][] = pieces.map((text, index) => {
    const parts = index === 0 ? [...thoughtParts, { text }] : [{ text }];
    textTokensSoFar += text.split(" ").filter((word) => word !== "").length;
    const final = index === pieces.length - 1;
    return [{ data: JSON.stringify(response(parts, textTokensSoFar, final)) }];
  });
  if (context.query.get("alt") !== "sse") {
    // Without alt=sse the API streams one JSON array; the mock sends it whole.
    return {
      kind: "json",
      status: 200,
      headers: {},
      body: chunks.map((group) => JSON.parse((group[0] as SseEvent).data)),
    };
  }
  return {
    kind: "sse",
    headers: {},
    delimiter: "\r\n\r\n",
    opening: [],
    chunks,
    closing: [],
    // A failure mid-stream is a data event holding Google's error body.
    streamError: () => [
      {
        data: JSON.stringify({
          error: { code: 500, message: DEFAULT_MESSAGES.INTERNAL, status: "INTERNAL" },
        }),
      },
    ],
  };
}

function handleCountTokens(context: MockRequestContext): MockReply {
  const body = context.body.generateContentRequest
    ? (context.body.generateContentRequest as Record<string, unknown>)
    : context.body;
  const total = promptTokensOf(body);
  return {
    kind: "json",
    status: 200,
    headers: {},
    body: { totalTokens: total, promptTokensDetails: [{ modality: "TEXT", tokenCount: total }] },
  };
}

/** Default vector sizes: https://ai.google.dev/gemini-api/docs/embeddings */
function defaultDimensions(model: string): number {
  return model.startsWith("gemini-embedding") ? 3072 : 768;
}

function embedOne(request: Record<string, unknown>, model: string): { values: number[] } {
  const content = request.content as Record<string, unknown> | undefined;
  const parts = content?.parts;
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new MockRequestError(400, "content.parts: a non-empty array of parts is required");
  }
  const text = parts
    .map((part) => ((part as Record<string, unknown>)?.text as string | undefined) ?? "")
    .join("");
  const dimensions = optionalCount(request, "outputDimensionality") ?? defaultDimensions(model);
  if (dimensions < 1) throw new MockRequestError(400, "outputDimensionality: must be at least 1");
  return { values: embeddingFor(text, dimensions) };
}

function handleEmbedContent(context: MockRequestContext): MockReply {
  return {
    kind: "json",
    status: 200,
    headers: {},
    body: { embedding: embedOne(context.body, context.params.model as string) },
  };
}

function handleBatchEmbed(context: MockRequestContext): MockReply {
  const requests = context.body.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new MockRequestError(400, "requests: a non-empty array of embed requests is required");
  }
  const model = context.params.model as string;
  return {
    kind: "json",
    status: 200,
    headers: {},
    body: { embeddings: requests.map((request) => embedOne(request ?? {}, model)) },
  };
}

/** Google's canonical status names: https://ai.google.dev/gemini-api/docs/troubleshooting */
function googleStatusName(status: number): string {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 500:
      return "INTERNAL";
    default:
      return status >= 500 ? "UNAVAILABLE" : "FAILED_PRECONDITION";
  }
}

const DEFAULT_MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: "API key not valid. Please pass a valid API key.",
  PERMISSION_DENIED: "The caller does not have permission.",
  NOT_FOUND: "Requested entity was not found.",
  RESOURCE_EXHAUSTED: "Resource has been exhausted (e.g. check quota).",
  INTERNAL:
    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  UNAVAILABLE: "The model is overloaded. Please try again later.",
};

/** Google's error body: `{ error: { code, message, status } }`; the SDK raises ApiError. */
function geminiErrorReply(status: number, message: string | undefined): JsonReply {
  const name = googleStatusName(status);
  return {
    kind: "json",
    status,
    headers: {},
    body: {
      error: {
        code: status,
        message: message ?? DEFAULT_MESSAGES[name] ?? "Invalid request.",
        status: name,
      },
    },
  };
}

/**
 * What a candidate grounded with Google Search carries, in the shape of the API reference
 * (https://ai.google.dev/api/generate-content#GroundingMetadata): two search queries here.
 */
const GROUNDING_METADATA = {
  webSearchQueries: ["UEFA Euro 2024 winner", "who won euro 2024"],
  searchEntryPoint: { renderedContent: "<!-- search suggestions -->" },
  groundingChunks: [
    { web: { uri: "https://vertexaisearch.cloud.google.com/grounding", title: "uefa.com" } },
  ],
  groundingSupports: [
    { segment: { startIndex: 0, endIndex: 10, text: "Mock reply" }, groundingChunkIndices: [0] },
  ],
};
