import type { RecordInput } from "../meter/types.ts";
import { GEN_AI, GENERAL, LLMETER, PROVIDER_NAMES } from "../otel/semconv.ts";
import { canonicalProvider } from "../pricing/model-id.ts";
import type { AttributeValue, UsageKind } from "../usage/usage-event.ts";
import {
  type ReceivedAttributes,
  type ReceivedSpan,
  type ReceivedValue,
  SPAN_STATUS_ERROR,
} from "./received-spans.ts";

/**
 * GenAI attribute names the receiver reads beside the ones llmeter emits (`GEN_AI`): the
 * conventions' previous names and the names common instrumentations use. Sources (checked
 * 2026-12-07): the registry https://github.com/open-telemetry/semantic-conventions-genai
 * (docs/registry/attributes/gen-ai.md, its "deprecated" section for `gen_ai.system`,
 * `gen_ai.usage.prompt_tokens`, `gen_ai.usage.completion_tokens`), and OpenLLMetry's
 * `gen_ai.usage.cache_read_input_tokens` / `cache_creation_input_tokens`.
 */
const READ = {
  promptTokens: "gen_ai.usage.prompt_tokens",
  completionTokens: "gen_ai.usage.completion_tokens",
  cacheWriteInputTokens: "gen_ai.usage.cache_write.input_tokens",
  cacheReadInputTokensFlat: "gen_ai.usage.cache_read_input_tokens",
  cacheCreationInputTokensFlat: "gen_ai.usage.cache_creation_input_tokens",
  userId: "user.id",
  sessionId: "session.id",
  serviceName: "service.name",
} as const;

/**
 * Operations that are not one model call: an agent or a tool span wraps the model calls, which
 * are spans of their own. Recording them too would count those calls twice.
 */
const NOT_MODEL_CALLS = new Set([
  "invoke_agent",
  "create_agent",
  "execute_tool",
  "invoke_workflow",
]);

/** Names other than llmeter's for a provider: earlier `gen_ai.system` values. */
const PREVIOUS_PROVIDER_NAMES: Readonly<Record<string, string>> = {
  "az.ai.openai": "azure",
  "az.ai.inference": "azure-ai-inference",
  "gcp.gen_ai": "google",
};

/** The conventions' provider names → ours (the first of ours that maps to each). */
const PROVIDERS_BY_CONVENTION_NAME = new Map<string, string>();
for (const [ours, convention] of Object.entries(PROVIDER_NAMES)) {
  if (!PROVIDERS_BY_CONVENTION_NAME.has(convention))
    PROVIDERS_BY_CONVENTION_NAME.set(convention, ours);
}

/** Event fields read as they are from one string attribute (llmeter's own last: a round trip). */
const TEXT_FIELDS: ReadonlyArray<readonly [keyof RecordInput, string]> = [
  ["requestId", GEN_AI.responseId],
  ["serverAddress", GENERAL.serverAddress],
  ["conversationId", GEN_AI.conversationId],
  ["serviceTier", LLMETER.serviceTier],
  ["region", LLMETER.region],
];

/** Event fields read as they are from one number attribute. */
const NUMBER_FIELDS: ReadonlyArray<readonly [keyof RecordInput, string]> = [
  ["serverPort", GENERAL.serverPort],
  ["requestMaxTokens", GEN_AI.requestMaxTokens],
  ["requestTemperature", GEN_AI.requestTemperature],
  ["requestTopP", GEN_AI.requestTopP],
  ["requestTopK", GEN_AI.requestTopK],
  ["requestFrequencyPenalty", GEN_AI.requestFrequencyPenalty],
  ["requestPresencePenalty", GEN_AI.requestPresencePenalty],
  ["requestSeed", GEN_AI.requestSeed],
  ["requestChoiceCount", GEN_AI.requestChoiceCount],
];

/** What becomes of one span. */
export type SpanOutcome =
  | { kind: "ignored" }
  | { kind: "rejected"; reason: string }
  | { kind: "event"; event: RecordInput };

/**
 * One received span as a usage event, when it is a GenAI model call: provider, models, tokens,
 * time, status and attribution, read from an allowlist of attributes. Span events and every
 * other attribute (prompts and completions among them) are never read.
 * The event id is the trace id and span id, so a span received twice is one ledger event.
 */
export function genAiSpanEvent(span: ReceivedSpan, resource: ReceivedAttributes): SpanOutcome {
  const attributes = span.attributes;
  const providerName = text(attributes, GEN_AI.providerName) ?? text(attributes, GEN_AI.system);
  const operation = text(attributes, GEN_AI.operationName);
  if (providerName === undefined && operation === undefined) return { kind: "ignored" };
  if (operation !== undefined && NOT_MODEL_CALLS.has(operation)) return { kind: "ignored" };
  if (!/^[0-9a-f]{32}$/.test(span.traceId) || /^0+$/.test(span.traceId))
    return { kind: "rejected", reason: `span "${span.name}" has no valid trace id` };
  if (!/^[0-9a-f]{16}$/.test(span.spanId) || /^0+$/.test(span.spanId))
    return { kind: "rejected", reason: `span "${span.name}" has no valid span id` };
  if (providerName === undefined)
    return {
      kind: "rejected",
      reason: `span "${span.name}" has no ${GEN_AI.providerName} (or ${GEN_AI.system})`,
    };
  const responseModel = text(attributes, GEN_AI.responseModel);
  const model = text(attributes, GEN_AI.requestModel) ?? responseModel;
  if (model === undefined)
    return {
      kind: "rejected",
      reason: `span "${span.name}" has no ${GEN_AI.requestModel} or ${GEN_AI.responseModel}`,
    };

  const event: RecordInput = {
    id: `${span.traceId}-${span.spanId}`,
    kind: kindOf(attributes, operation),
    operation: operation ?? "chat",
    provider: providerOf(providerName),
    model,
  };
  if (responseModel !== undefined) event.responseModel = responseModel;
  if (span.startTimeUnixNano > 0n) {
    event.timestamp = Number(span.startTimeUnixNano / 1_000_000n);
    if (span.endTimeUnixNano >= span.startTimeUnixNano)
      event.latencyMs = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
  }
  const tokens = readTokens(attributes);
  if (typeof tokens === "string")
    return { kind: "rejected", reason: `span "${span.name}": ${tokens}` };
  Object.assign(event, tokens);

  const errorType = text(attributes, GENERAL.errorType);
  event.success = span.statusCode !== SPAN_STATUS_ERROR && errorType === undefined;
  // The status message is left out: providers' error messages can quote prompts and keys.
  if (!event.success) event.errorType = errorType ?? "_OTHER";

  for (const [field, key] of TEXT_FIELDS) {
    const value = text(attributes, key);
    if (value !== undefined) (event as Record<string, unknown>)[field] = value;
  }
  for (const [field, key] of NUMBER_FIELDS) {
    const value = number(attributes, key);
    if (value !== undefined) (event as Record<string, unknown>)[field] = value;
  }
  const stream = attributes.get(GEN_AI.requestStream);
  if (typeof stream === "boolean") event.streaming = stream;
  const firstChunkSeconds = number(attributes, GEN_AI.responseTimeToFirstChunk);
  if (firstChunkSeconds !== undefined) event.timeToFirstTokenMs = firstChunkSeconds * 1000;
  const finishReasons = attributes.get(GEN_AI.responseFinishReasons);
  if (Array.isArray(finishReasons))
    event.finishReasons = finishReasons.filter((reason) => typeof reason === "string");
  // llmeter's own spans carry it; a round trip keeps it.
  const cached = attributes.get(LLMETER.cached);
  if (typeof cached === "boolean") event.cached = cached;

  assignAttribution(event, span.attributes, resource);
  return { kind: "event", event };
}

/** Tokens in llmeter's convention (input includes cache reads and writes), or what is wrong. */
function readTokens(attributes: ReceivedAttributes): Partial<RecordInput> | string {
  const counts: Partial<RecordInput> = {};
  const names: Array<[keyof RecordInput, readonly string[]]> = [
    ["inputTokens", [GEN_AI.usageInputTokens, READ.promptTokens]],
    ["outputTokens", [GEN_AI.usageOutputTokens, READ.completionTokens]],
    ["cacheReadTokens", [GEN_AI.usageCacheReadInputTokens, READ.cacheReadInputTokensFlat]],
    [
      "cacheWriteTokens",
      [
        READ.cacheWriteInputTokens,
        GEN_AI.usageCacheCreationInputTokens,
        READ.cacheCreationInputTokensFlat,
      ],
    ],
    ["reasoningTokens", [GEN_AI.usageReasoningOutputTokens]],
  ];
  for (const [field, keys] of names) {
    for (const key of keys) {
      const value = attributes.get(key);
      if (value === undefined) continue;
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
        return `${key} is ${JSON.stringify(value)}, not a count of tokens`;
      (counts as Record<string, number>)[field] = value;
      break;
    }
  }
  return counts;
}

function kindOf(attributes: ReceivedAttributes, operation: string | undefined): UsageKind {
  const own = text(attributes, LLMETER.kind);
  if (own === "llm" || own === "embedding" || own === "ocr" || own === "other") return own;
  return operation === "embeddings" ? "embedding" : "llm";
}

function providerOf(name: string): string {
  const lower = name.trim().toLowerCase();
  return (
    PROVIDERS_BY_CONVENTION_NAME.get(lower) ??
    PREVIOUS_PROVIDER_NAMES[lower] ??
    canonicalProvider(lower)
  );
}

/**
 * Who made the call: llmeter's attribution attributes (the ones it exports, so its own spans
 * round-trip), then the general `user.id` / `session.id`, on the span first, then its resource.
 * Free attributes: `llmeter.attributes.*`, and the resource's `service.name`.
 */
function assignAttribution(
  event: RecordInput,
  span: ReceivedAttributes,
  resource: ReceivedAttributes,
): void {
  const either = (key: string) => text(span, key) ?? text(resource, key);
  const tenantId = either(LLMETER.tenantId);
  const userId = either(LLMETER.userId) ?? either(READ.userId);
  const sessionId = either(LLMETER.sessionId) ?? either(READ.sessionId);
  const organizationId = either(LLMETER.organizationId);
  if (tenantId !== undefined) event.tenantId = tenantId;
  if (userId !== undefined) event.userId = userId;
  if (sessionId !== undefined) event.sessionId = sessionId;
  if (organizationId !== undefined) event.organizationId = organizationId;
  let free: Record<string, AttributeValue> | undefined;
  const serviceName = text(resource, READ.serviceName);
  if (serviceName !== undefined) free = { [READ.serviceName]: serviceName };
  for (const source of [resource, span]) {
    for (const [key, value] of source) {
      if (!key.startsWith(LLMETER.attributesPrefix) || Array.isArray(value)) continue;
      free ??= {};
      free[key.slice(LLMETER.attributesPrefix.length)] = value as AttributeValue;
    }
  }
  if (free !== undefined) event.attributes = free;
}

function text(attributes: ReceivedAttributes, key: string): string | undefined {
  const value = attributes.get(key);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function number(attributes: ReceivedAttributes, key: string): number | undefined {
  const value: ReceivedValue | undefined = attributes.get(key);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
