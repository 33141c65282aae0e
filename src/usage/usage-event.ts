/**
 * The normalized usage event: one finished LLM, embedding or OCR call.
 *
 * One flat, JSON-friendly object. Its field names are the public contract of exports, imports
 * and every `--json` output, so they only ever grow.
 *
 * Token counts follow the OpenTelemetry GenAI convention:
 * - `inputTokens` is the whole prompt: cache reads and cache writes are parts of it.
 * - `outputTokens` includes `reasoningTokens`: reasoning is never billed twice.
 * - A count nobody reported is `undefined`, never 0. An estimated count sets `estimated: true`.
 */
export interface UsageEvent {
  /** Unique id; the ledger deduplicates on it, so replaying an event never double-counts. */
  id: string;
  /** When the call started, ISO 8601 in UTC. */
  timestamp: string;
  kind: UsageKind;
  /** What was done, in GenAI semantic-convention words: `chat`, `embeddings`, `ocr`, ... */
  operation: string;
  /** Provider name, lower case: `openai`, `anthropic`, `google`, `azure`, `bedrock`, ... */
  provider: string;
  /** The model asked for. */
  model: string;
  /** The model that answered, when the provider said (often a dated snapshot). */
  responseModel?: string;
  /** The provider's request or response id. */
  requestId?: string;

  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** Part of `inputTokens` read from the provider's prompt cache. */
  cacheReadTokens?: number;
  /** Part of `inputTokens` written to the cache when the duration is unknown or not priced apart. */
  cacheWriteTokens?: number;
  /** Part of `inputTokens` written to a 5-minute cache (Anthropic). */
  cacheWrite5mTokens?: number;
  /** Part of `inputTokens` written to a 1-hour cache (Anthropic). */
  cacheWrite1hTokens?: number;
  /** Part of `outputTokens` spent on reasoning. */
  reasoningTokens?: number;
  /** True when some count was estimated (tokenizer, characters/4) rather than reported. */
  estimated?: boolean;

  /** Units that are not tokens. */
  pages?: number;
  images?: number;
  characters?: number;
  audioSeconds?: number;
  /** Server-side tools the provider ran during the call, billed apart from tokens (see `ToolCalls`). */
  toolCalls?: ToolCalls;

  latencyMs?: number;
  timeToFirstTokenMs?: number;
  /** Number of streamed chunks the caller received. */
  chunks?: number;
  streaming?: boolean;
  /** Served from a response cache (ours, LangChain's, a gateway's): no provider call was billed. */
  cached?: boolean;
  /** Service tier the call ran on: `standard`, `batch`, `flex`, `priority`. */
  serviceTier?: string;
  /** Region of the endpoint, for regional price uplifts. */
  region?: string;
  /** Host name of the provider endpoint the call went to (`api.openai.com`), never a path or key. */
  serverAddress?: string;
  /** Port of that endpoint (443 for an `https` URL without one). */
  serverPort?: number;

  /**
   * Why the model stopped, one entry per choice or candidate, as the provider spelled it
   * (`stop`, `length`, `end_turn`, `MAX_TOKENS`, ...). Short enum-like codes, never content.
   */
  finishReasons?: string[];
  /** Request parameters the caller set (OpenTelemetry `gen_ai.request.*`); unset ones stay undefined. */
  requestMaxTokens?: number;
  requestTemperature?: number;
  requestTopP?: number;
  requestTopK?: number;
  requestFrequencyPenalty?: number;
  requestPresencePenalty?: number;
  requestSeed?: number;
  /** How many choices or candidates were asked for (`n`, `candidateCount`). */
  requestChoiceCount?: number;

  success: boolean;
  /** The error's class or code name (`AuthenticationError`, `ECONNRESET`): low-cardinality, for grouping. */
  errorType?: string;
  /**
   * The error's message with every secret replaced by `[REDACTED]` (API keys, tokens, URL
   * credentials, the client's own key): providers echo keys in their errors. See docs/decisions/0019.
   */
  errorMessage?: string;
  /** The provider's own error type (`invalid_request_error`, `authentication_error`). */
  providerErrorType?: string;
  /** The provider's error code (OpenAI `invalid_api_key`, Gemini `INVALID_ARGUMENT`). */
  errorCode?: string;
  /** The HTTP status of the failed response (401, 429, ...). */
  httpStatus?: number;

  tenantId?: string;
  userId?: string;
  sessionId?: string;
  conversationId?: string;
  organizationId?: string;
  /** Free attributes: flat string, number or boolean values. */
  attributes?: Record<string, AttributeValue>;

  /** Cost in USD; `undefined` when no price is known (never a silent 0). */
  costUsd?: number;
  costBreakdown?: CostBreakdown;
  /** Where the cost came from. */
  priceSource?: PriceSource;
  /**
   * What the price catalog would have charged, kept beside a cost the provider reported
   * (`priceSource: "provider"`), so the two can be compared (drift). Absent otherwise, and when
   * the catalog has no price for the model.
   */
  estimatedCostUsd?: number;
  /** The price entry that matched, and the catalog version it came from. */
  priceEntryId?: string;
  catalogVersion?: string;
  /** ISO 8601 time `llmeter reprice` last changed this event's cost; absent when never repriced. */
  repricedAt?: string;
}

export type UsageKind = "llm" | "embedding" | "ocr" | "other";

export type AttributeValue = string | number | boolean;

/** `provider`: the provider returned a cost; `catalog`: our bundled prices; `custom`: a user's price file; `manual`: set by the caller. */
export type PriceSource = "provider" | "catalog" | "custom" | "imported" | "manual";

/** USD per priced unit; only the units that were billed appear. */
export type CostBreakdown = Partial<Record<CostUnit, number>>;

export type CostUnit =
  | "input"
  | "cacheRead"
  | "cacheWrite"
  | "output"
  | "reasoning"
  | "audioInput"
  | "audioOutput"
  | "image"
  | "request"
  | "page"
  | "characters"
  /** Fees of the server-side tools in `toolCalls` (searches, containers, sources). */
  | "tools";

/**
 * Counts of server-side tool uses, as the provider reported them. Each is a whole number; a tool
 * the call did not use is left out. Priced by the tool fees of `docs/pricing.md`.
 */
export interface ToolCalls {
  /** Web searches run: Anthropic `server_tool_use.web_search_requests`, OpenAI `web_search_call` items, Gemini `groundingMetadata.webSearchQueries` entries. */
  webSearch?: number;
  /** Web pages fetched: Anthropic `server_tool_use.web_fetch_requests`. */
  webFetch?: number;
  /** File searches run: OpenAI `file_search_call` items. */
  fileSearch?: number;
  /** Code-execution containers used: distinct OpenAI `code_interpreter_call` containers, or the Anthropic response's `container`. */
  codeExecutionContainers?: number;
  /** Images generated by a tool: OpenAI `image_generation_call` items. */
  imageGeneration?: number;
  /** Prompts grounded with Google Search (Gemini 2.x bills once per grounded prompt, whatever the number of queries). */
  groundedPrompts?: number;
  /** Live-search sources used: xAI `usage.num_sources_used`. */
  liveSearchSources?: number;
  /** Server-side tool calls: xAI `usage.num_server_side_tools_used`. */
  serverSideTools?: number;
}

/** The keys of `ToolCalls`. */
export const TOOL_CALL_KEYS = [
  "webSearch",
  "webFetch",
  "fileSearch",
  "codeExecutionContainers",
  "imageGeneration",
  "groundedPrompts",
  "liveSearchSources",
  "serverSideTools",
] as const satisfies readonly (keyof ToolCalls)[];

export type ToolCallKey = (typeof TOOL_CALL_KEYS)[number];

/** Attribution: who made the call. Carried through async code by `withAttribution`. */
export interface Attribution {
  tenantId?: string;
  userId?: string;
  sessionId?: string;
  conversationId?: string;
  organizationId?: string;
  attributes?: Record<string, AttributeValue>;
}

/** The token part of an event, as integrations and `tracker.setTokens()` report it. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
  estimated?: boolean;
}

/** The numeric fields of an event that must be finite and non-negative. */
export const COUNT_FIELDS = [
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "cacheWrite5mTokens",
  "cacheWrite1hTokens",
  "reasoningTokens",
  "pages",
  "images",
  "characters",
  "chunks",
  "requestMaxTokens",
  "requestTopK",
  "requestChoiceCount",
] as const satisfies readonly (keyof UsageEvent)[];

/** Non-negative numbers that need not be integers. */
export const MEASURE_FIELDS = [
  "audioSeconds",
  "latencyMs",
  "timeToFirstTokenMs",
  "costUsd",
  "estimatedCostUsd",
  "requestTemperature",
  "requestTopP",
] as const satisfies readonly (keyof UsageEvent)[];

/** Finite numbers that may be negative (penalties) or very large (seeds). */
export const SIGNED_NUMBER_FIELDS = [
  "requestFrequencyPenalty",
  "requestPresencePenalty",
  "requestSeed",
] as const satisfies readonly (keyof UsageEvent)[];

/** Lists of short enum-like strings. */
export const CODE_LIST_FIELDS = ["finishReasons"] as const satisfies readonly (keyof UsageEvent)[];

export const STRING_FIELDS = [
  "id",
  "timestamp",
  "operation",
  "provider",
  "model",
  "responseModel",
  "requestId",
  "serviceTier",
  "region",
  "serverAddress",
  "errorType",
  "errorMessage",
  "providerErrorType",
  "errorCode",
  "tenantId",
  "userId",
  "sessionId",
  "conversationId",
  "organizationId",
  "priceEntryId",
  "catalogVersion",
  "repricedAt",
] as const satisfies readonly (keyof UsageEvent)[];

export const BOOLEAN_FIELDS = [
  "estimated",
  "streaming",
  "cached",
  "success",
] as const satisfies readonly (keyof UsageEvent)[];

export const USAGE_KINDS: readonly UsageKind[] = ["llm", "embedding", "ocr", "other"];
export const PRICE_SOURCES: readonly PriceSource[] = [
  "provider",
  "catalog",
  "custom",
  "imported",
  "manual",
];
