import type { Attributes } from "@opentelemetry/api";
import type { ToolCalls, UsageEvent } from "../usage/usage-event.ts";
import { GEN_AI, GEN_AI_COST, GENERAL, LLMETER, PROVIDER_NAMES, TOKEN_TYPE } from "./semconv.ts";

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

/**
 * The attributes the conventions ask to be given when the span is created, because samplers may
 * decide on them: operation, provider, request model, server address and port.
 * https://github.com/open-telemetry/semantic-conventions-genai (docs/gen-ai/gen-ai-spans.md,
 * "sampling relevant"). Undefined ones are left out.
 */
export function spanStartAttributes(event: UsageEvent): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: event.operation,
    [GEN_AI.providerName]: genAiProviderName(event.provider),
    [GEN_AI.requestModel]: event.model,
  };
  set(attributes, GENERAL.serverAddress, event.serverAddress);
  set(attributes, GENERAL.serverPort, event.serverPort);
  return attributes;
}

/**
 * Every attribute of one call: GenAI conventions first (the sampling-relevant ones leading), then
 * cost, attribution and our own. Each store is written out at its own site rather than through a
 * shared helper: a helper's single store site sees every key and shape and goes megamorphic, which
 * made building this object a tenth of the OpenTelemetry path's cost.
 */
export function eventAttributes(event: UsageEvent, options: AttributeOptions): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: event.operation,
    [GEN_AI.providerName]: genAiProviderName(event.provider),
    [GEN_AI.requestModel]: event.model,
  };
  if (event.serverAddress !== undefined) attributes[GENERAL.serverAddress] = event.serverAddress;
  if (event.serverPort !== undefined) attributes[GENERAL.serverPort] = event.serverPort;
  attributes[LLMETER.eventId] = event.id;
  attributes[LLMETER.kind] = event.kind;
  if (options.legacyAttributes) attributes[GEN_AI.system] = event.provider;
  if (event.responseModel !== undefined) attributes[GEN_AI.responseModel] = event.responseModel;
  if (event.requestId !== undefined) attributes[GEN_AI.responseId] = event.requestId;
  if (event.inputTokens !== undefined) attributes[GEN_AI.usageInputTokens] = event.inputTokens;
  if (event.outputTokens !== undefined) attributes[GEN_AI.usageOutputTokens] = event.outputTokens;
  if (event.cacheReadTokens !== undefined)
    attributes[GEN_AI.usageCacheReadInputTokens] = event.cacheReadTokens;
  const cacheWrites = cacheWriteTokens(event);
  if (cacheWrites !== undefined) {
    attributes[GEN_AI.usageCacheWriteInputTokens] = cacheWrites;
    if (options.legacyAttributes) attributes[GEN_AI.usageCacheCreationInputTokens] = cacheWrites;
  }
  if (event.reasoningTokens !== undefined)
    attributes[GEN_AI.usageReasoningOutputTokens] = event.reasoningTokens;
  if (event.finishReasons !== undefined)
    attributes[GEN_AI.responseFinishReasons] = event.finishReasons;
  if (event.streaming !== undefined) attributes[GEN_AI.requestStream] = event.streaming;
  if (event.requestMaxTokens !== undefined)
    attributes[GEN_AI.requestMaxTokens] = event.requestMaxTokens;
  if (event.requestTemperature !== undefined)
    attributes[GEN_AI.requestTemperature] = event.requestTemperature;
  if (event.requestTopP !== undefined) attributes[GEN_AI.requestTopP] = event.requestTopP;
  if (event.requestTopK !== undefined) attributes[GEN_AI.requestTopK] = event.requestTopK;
  if (event.requestFrequencyPenalty !== undefined)
    attributes[GEN_AI.requestFrequencyPenalty] = event.requestFrequencyPenalty;
  if (event.requestPresencePenalty !== undefined)
    attributes[GEN_AI.requestPresencePenalty] = event.requestPresencePenalty;
  if (event.requestSeed !== undefined) attributes[GEN_AI.requestSeed] = event.requestSeed;
  if (event.requestChoiceCount !== undefined)
    attributes[GEN_AI.requestChoiceCount] = event.requestChoiceCount;
  if (event.timeToFirstTokenMs !== undefined)
    attributes[GEN_AI.responseTimeToFirstChunk] = event.timeToFirstTokenMs / 1000;
  if (event.conversationId !== undefined) attributes[GEN_AI.conversationId] = event.conversationId;
  if (!event.success) {
    attributes[GENERAL.errorType] = event.errorType ?? "_OTHER";
    if (options.captureContent && event.errorMessage !== undefined)
      attributes[LLMETER.errorMessage] = event.errorMessage;
  }
  if (event.costUsd !== undefined) {
    attributes[GEN_AI_COST.amount] = event.costUsd;
    attributes[GEN_AI_COST.currency] = "USD";
    if (event.priceSource !== undefined) attributes[GEN_AI_COST.source] = event.priceSource;
  }
  if (event.estimatedCostUsd !== undefined)
    attributes[LLMETER.estimatedCostUsd] = event.estimatedCostUsd;
  if (event.priceEntryId !== undefined) attributes[LLMETER.priceEntryId] = event.priceEntryId;
  if (event.catalogVersion !== undefined) attributes[LLMETER.catalogVersion] = event.catalogVersion;
  if (event.tenantId !== undefined) attributes[LLMETER.tenantId] = event.tenantId;
  if (event.userId !== undefined) attributes[LLMETER.userId] = event.userId;
  if (event.sessionId !== undefined) attributes[LLMETER.sessionId] = event.sessionId;
  if (event.organizationId !== undefined) attributes[LLMETER.organizationId] = event.organizationId;
  if (event.cached !== undefined) attributes[LLMETER.cached] = event.cached;
  if (event.estimated !== undefined) attributes[LLMETER.estimated] = event.estimated;
  if (event.serviceTier !== undefined) attributes[LLMETER.serviceTier] = event.serviceTier;
  if (event.region !== undefined) attributes[LLMETER.region] = event.region;
  if (event.chunks !== undefined) attributes[LLMETER.chunks] = event.chunks;
  if (event.toolCalls !== undefined) {
    for (const key of Object.keys(event.toolCalls) as (keyof ToolCalls)[]) {
      attributes[LLMETER.toolCallsPrefix + key] = event.toolCalls[key];
    }
  }
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

/**
 * What every call of one shape shares: same operation, provider, request and response model,
 * server and error type. Built once per shape and reused, so that a call allocates none of it.
 * The objects are shared: nothing may change them (the SDKs copy span attributes, and metric
 * attribute sets are only read).
 */
export interface CallShape {
  /** `{gen_ai.operation.name} {gen_ai.request.model}`. */
  spanName: string;
  /** See `spanStartAttributes`. */
  spanStartAttributes: Attributes;
  /** The attributes of every metric point of the call (`metricAttributes`). */
  metricAttributes: Attributes;
  /** The same attributes as a string that is equal for equal attribute sets (a lookup key). */
  metricKey: string;
  /** The same plus `gen_ai.token.type`, for the two `gen_ai.client.token.usage` points. */
  inputTokenAttributes: Attributes;
  outputTokenAttributes: Attributes;
}

interface CachedShape extends CallShape {
  operation: string;
  provider: string;
  responseModel: string | undefined;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  errorType: string | undefined;
}

// Bounded so that a stream of distinct models cannot grow it without end; past the bound it
// starts over. An application sees a handful of shapes per model.
const CALL_SHAPE_CACHE_SIZE = 512;

/** Call shapes by request model, built on first use (see `CallShape`). */
export class CallShapeCache {
  private readonly options: AttributeOptions;
  private readonly byModel = new Map<string, CachedShape[]>();
  private size = 0;

  constructor(options: AttributeOptions) {
    this.options = options;
  }

  /** The shape of `event`. */
  get(event: UsageEvent): CallShape {
    const errorType = event.success ? undefined : (event.errorType ?? "_OTHER");
    // A lookup by model then a short scan: no key to build, nothing allocated on a hit.
    let shapes = this.byModel.get(event.model);
    if (shapes !== undefined) {
      for (const shape of shapes) {
        if (
          shape.operation === event.operation &&
          shape.provider === event.provider &&
          shape.responseModel === event.responseModel &&
          shape.serverAddress === event.serverAddress &&
          shape.serverPort === event.serverPort &&
          shape.errorType === errorType
        )
          return shape;
      }
    }
    if (this.size >= CALL_SHAPE_CACHE_SIZE) {
      this.byModel.clear();
      this.size = 0;
      shapes = undefined;
    }
    const metrics = metricAttributes(event, this.options);
    const shape: CachedShape = {
      operation: event.operation,
      provider: event.provider,
      responseModel: event.responseModel,
      serverAddress: event.serverAddress,
      serverPort: event.serverPort,
      errorType,
      spanName: spanName(event.operation, event.model),
      spanStartAttributes: spanStartAttributes(event),
      metricAttributes: metrics,
      metricKey: JSON.stringify(Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : 1))),
      inputTokenAttributes: { ...metrics, [GEN_AI.tokenType]: TOKEN_TYPE.input },
      outputTokenAttributes: { ...metrics, [GEN_AI.tokenType]: TOKEN_TYPE.output },
    };
    if (shapes === undefined) this.byModel.set(event.model, [shape]);
    else shapes.push(shape);
    this.size += 1;
    return shape;
  }
}

/** Cache writes of any duration: the conventions have one `cache_write` count. */
function cacheWriteTokens(event: UsageEvent): number | undefined {
  const {
    cacheWriteTokens: plain,
    cacheWrite5mTokens: fiveMinutes,
    cacheWrite1hTokens: oneHour,
  } = event;
  if (plain === undefined && fiveMinutes === undefined && oneHour === undefined) return undefined;
  return (plain ?? 0) + (fiveMinutes ?? 0) + (oneHour ?? 0);
}

function set(attributes: Attributes, key: string, value: string | number | boolean | undefined) {
  if (value !== undefined) attributes[key] = value;
}
