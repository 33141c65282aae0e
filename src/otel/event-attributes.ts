import type { Attributes } from "@opentelemetry/api";
import type { UsageEvent } from "../usage/usage-event.ts";
import { GEN_AI, GEN_AI_COST, GENERAL, LLMETER, PROVIDER_NAMES } from "./semconv.ts";

/** How events become attributes. */
export interface AttributeOptions {
  /** Also emit the pre-1.37 `gen_ai.system` next to `gen_ai.provider.name`. */
  legacyAttributes: boolean;
  /** Put the error message on spans and logs (it can quote a prompt or a key). */
  captureContent: boolean;
}

/** The conventions' `gen_ai.provider.name` for our provider name. */
export function genAiProviderName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** `{gen_ai.operation.name} {gen_ai.request.model}`, the span name the conventions ask for. */
export function spanName(operation: string | undefined, model: string | undefined): string {
  if (operation === undefined) return model ?? "gen_ai";
  return model === undefined || model === "" ? operation : `${operation} ${model}`;
}

/** Every attribute of one call: GenAI conventions first, then cost, attribution and our own. */
export function eventAttributes(event: UsageEvent, options: AttributeOptions): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: event.operation,
    [GEN_AI.providerName]: genAiProviderName(event.provider),
    [GEN_AI.requestModel]: event.model,
    [LLMETER.eventId]: event.id,
    [LLMETER.kind]: event.kind,
  };
  if (options.legacyAttributes) attributes[GEN_AI.system] = event.provider;
  set(attributes, GEN_AI.responseModel, event.responseModel);
  set(attributes, GEN_AI.responseId, event.requestId);
  set(attributes, GEN_AI.usageInputTokens, event.inputTokens);
  set(attributes, GEN_AI.usageOutputTokens, event.outputTokens);
  set(attributes, GEN_AI.usageCacheReadInputTokens, event.cacheReadTokens);
  set(attributes, GEN_AI.usageCacheCreationInputTokens, cacheWriteTokens(event));
  set(attributes, GEN_AI.usageReasoningOutputTokens, event.reasoningTokens);
  if (event.finishReasons !== undefined)
    attributes[GEN_AI.responseFinishReasons] = event.finishReasons;
  set(attributes, GEN_AI.requestStream, event.streaming);
  set(attributes, GEN_AI.requestMaxTokens, event.requestMaxTokens);
  set(attributes, GEN_AI.requestTemperature, event.requestTemperature);
  set(attributes, GEN_AI.requestTopP, event.requestTopP);
  set(attributes, GEN_AI.requestTopK, event.requestTopK);
  set(attributes, GEN_AI.requestFrequencyPenalty, event.requestFrequencyPenalty);
  set(attributes, GEN_AI.requestPresencePenalty, event.requestPresencePenalty);
  set(attributes, GEN_AI.requestSeed, event.requestSeed);
  set(attributes, GEN_AI.requestChoiceCount, event.requestChoiceCount);
  set(attributes, GENERAL.serverAddress, event.serverAddress);
  set(attributes, GENERAL.serverPort, event.serverPort);
  if (event.timeToFirstTokenMs !== undefined)
    attributes[GEN_AI.responseTimeToFirstChunk] = event.timeToFirstTokenMs / 1000;
  set(attributes, GEN_AI.conversationId, event.conversationId);
  if (!event.success) {
    attributes[GENERAL.errorType] = event.errorType ?? "_OTHER";
    if (options.captureContent) set(attributes, LLMETER.errorMessage, event.errorMessage);
  }
  if (event.costUsd !== undefined) {
    attributes[GEN_AI_COST.amount] = event.costUsd;
    attributes[GEN_AI_COST.currency] = "USD";
    set(attributes, GEN_AI_COST.source, event.priceSource);
  }
  set(attributes, LLMETER.priceEntryId, event.priceEntryId);
  set(attributes, LLMETER.catalogVersion, event.catalogVersion);
  set(attributes, LLMETER.tenantId, event.tenantId);
  set(attributes, LLMETER.userId, event.userId);
  set(attributes, LLMETER.sessionId, event.sessionId);
  set(attributes, LLMETER.organizationId, event.organizationId);
  set(attributes, LLMETER.cached, event.cached);
  set(attributes, LLMETER.estimated, event.estimated);
  set(attributes, LLMETER.serviceTier, event.serviceTier);
  set(attributes, LLMETER.region, event.region);
  set(attributes, LLMETER.chunks, event.chunks);
  if (event.attributes !== undefined) {
    for (const key of Object.keys(event.attributes)) {
      attributes[LLMETER.attributesPrefix + key] = event.attributes[key];
    }
  }
  return attributes;
}

/**
 * The few low-cardinality attributes metric points carry (never ids, users or free attributes).
 * The GenAI metrics conventions list `server.address` and `server.port` among them (one value per
 * endpoint); finish reasons and request parameters stay off metrics.
 */
export function metricAttributes(event: UsageEvent, options: AttributeOptions): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: event.operation,
    [GEN_AI.providerName]: genAiProviderName(event.provider),
    [GEN_AI.requestModel]: event.model,
  };
  if (options.legacyAttributes) attributes[GEN_AI.system] = event.provider;
  set(attributes, GEN_AI.responseModel, event.responseModel);
  set(attributes, GENERAL.serverAddress, event.serverAddress);
  set(attributes, GENERAL.serverPort, event.serverPort);
  if (!event.success) attributes[GENERAL.errorType] = event.errorType ?? "_OTHER";
  return attributes;
}

/** Cache writes of any duration: the conventions have one `cache_creation` count. */
function cacheWriteTokens(event: UsageEvent): number | undefined {
  const parts = [event.cacheWriteTokens, event.cacheWrite5mTokens, event.cacheWrite1hTokens];
  let total: number | undefined;
  for (const part of parts) if (part !== undefined) total = (total ?? 0) + part;
  return total;
}

function set(attributes: Attributes, key: string, value: string | number | boolean | undefined) {
  if (value !== undefined) attributes[key] = value;
}
