/**
 * Our own copy of the OpenTelemetry GenAI semantic-convention names we emit, so that a rename
 * upstream never changes our output silently and the core never imports
 * `@opentelemetry/semantic-conventions`.
 *
 * Source (checked 2026-11): the GenAI conventions, now maintained in
 * https://github.com/open-telemetry/semantic-conventions-genai
 * - attributes: docs/registry/attributes/gen-ai.md
 * - spans: docs/gen-ai/gen-ai-spans.md
 * - metrics and bucket boundaries: docs/gen-ai/gen-ai-metrics.md
 * and cross-checked against the `ATTR_GEN_AI_*` / `METRIC_GEN_AI_*` constants of
 * `@opentelemetry/semantic-conventions` 1.45.0 (`incubating` entry point). The registry's
 * `gen_ai.usage.cache_write.input_tokens` (checked 2026-12) replaces `cache_creation`.
 * `error.type`, `server.address` and `server.port` are stable general attributes:
 * https://opentelemetry.io/docs/specs/semconv/registry/attributes/error/
 * https://opentelemetry.io/docs/specs/semconv/registry/attributes/server/
 */

/** GenAI attribute names (development status upstream). */
export const GEN_AI = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  /** The pre-1.37 name of `gen_ai.provider.name`; emitted only with `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai/dup`. */
  system: "gen_ai.system",
  requestModel: "gen_ai.request.model",
  requestStream: "gen_ai.request.stream",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  requestTopP: "gen_ai.request.top_p",
  requestTopK: "gen_ai.request.top_k",
  requestFrequencyPenalty: "gen_ai.request.frequency_penalty",
  requestPresencePenalty: "gen_ai.request.presence_penalty",
  requestSeed: "gen_ai.request.seed",
  requestChoiceCount: "gen_ai.request.choice.count",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  /** Seconds from request to the first streamed chunk. */
  responseTimeToFirstChunk: "gen_ai.response.time_to_first_chunk",
  conversationId: "gen_ai.conversation.id",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheReadInputTokens: "gen_ai.usage.cache_read.input_tokens",
  /** Tokens written to the provider's prompt cache (the registry's name since 2026). */
  usageCacheWriteInputTokens: "gen_ai.usage.cache_write.input_tokens",
  /**
   * The earlier name of `gen_ai.usage.cache_write.input_tokens`; emitted only with
   * `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai/dup`, as `gen_ai.system` is.
   */
  usageCacheCreationInputTokens: "gen_ai.usage.cache_creation.input_tokens",
  usageReasoningOutputTokens: "gen_ai.usage.reasoning.output_tokens",
  tokenType: "gen_ai.token.type",
} as const;

/** Stable general attributes. */
export const GENERAL = {
  errorType: "error.type",
  serverAddress: "server.address",
  serverPort: "server.port",
} as const;

/**
 * Cost, in the shape proposed for the GenAI conventions (not yet part of them): amount, ISO 4217
 * currency, and where the price came from.
 */
export const GEN_AI_COST = {
  amount: "gen_ai.usage.cost.amount",
  currency: "gen_ai.usage.cost.currency",
  source: "gen_ai.usage.cost.source",
} as const;

/** Our own attributes: attribution and pricing provenance that the conventions do not cover. */
export const LLMETER = {
  eventId: "llmeter.event.id",
  kind: "llmeter.kind",
  tenantId: "llmeter.tenant.id",
  userId: "llmeter.user.id",
  sessionId: "llmeter.session.id",
  organizationId: "llmeter.organization.id",
  cached: "llmeter.cached",
  estimated: "llmeter.estimated",
  serviceTier: "llmeter.service_tier",
  region: "llmeter.region",
  chunks: "llmeter.chunks",
  priceEntryId: "llmeter.price.entry_id",
  catalogVersion: "llmeter.price.catalog_version",
  /** The catalog's price of a call whose cost the provider reported (`gen_ai.usage.cost.source` = provider). */
  estimatedCostUsd: "llmeter.price.estimated_cost_usd",
  errorMessage: "llmeter.error.message",
  /** Prefix of the user's free attributes: `llmeter.attributes.feature`. */
  attributesPrefix: "llmeter.attributes.",
  /** One count per server-side tool (`llmeter.tool_calls.webSearch`); no GenAI convention names these yet. */
  toolCallsPrefix: "llmeter.tool_calls.",
} as const;

/** GenAI client metric names. */
export const GEN_AI_METRICS = {
  tokenUsage: "gen_ai.client.token.usage",
  operationDuration: "gen_ai.client.operation.duration",
  timeToFirstChunk: "gen_ai.client.operation.time_to_first_chunk",
  timePerOutputChunk: "gen_ai.client.operation.time_per_output_chunk",
} as const;

/** Our cost counter (the conventions define none). */
export const LLMETER_METRICS = {
  cost: "llmeter.client.cost",
} as const;

/** `gen_ai.token.type` values. */
export const TOKEN_TYPE = { input: "input", output: "output" } as const;

/** Recommended explicit bucket boundaries of `gen_ai.client.token.usage`, in tokens. */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/**
 * Recommended explicit bucket boundaries, in seconds, of `gen_ai.client.operation.duration`,
 * `.time_to_first_chunk` and `.time_per_output_chunk` (the same list for all three).
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/**
 * Our provider names → the conventions' well-known `gen_ai.provider.name` values. Names not
 * listed pass through unchanged (the conventions allow custom values).
 */
export const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  bedrock: "aws.bedrock",
  "aws-bedrock": "aws.bedrock",
  azure: "azure.ai.openai",
  "azure-openai": "azure.ai.openai",
  "azure-ai-inference": "azure.ai.inference",
  google: "gcp.gemini",
  gemini: "gcp.gemini",
  vertex: "gcp.vertex_ai",
  "vertex-ai": "gcp.vertex_ai",
  mistral: "mistral_ai",
  xai: "x_ai",
  "x-ai": "x_ai",
  moonshot: "moonshot_ai",
  watsonx: "ibm.watsonx.ai",
};
