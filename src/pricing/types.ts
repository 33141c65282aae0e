/**
 * The shapes of the price catalog. Token prices are USD per million tokens; `image`, `request` and
 * `page` are USD per unit; `characters` is USD per 1,000 characters; `audioInputMinute` is USD per
 * minute of input audio.
 */

import type { CostBreakdown, PriceSource, ToolCallKey, ToolCalls } from "../usage/usage-event.ts";

/** Unit prices of one model. A unit left out is not billed apart (see `docs/pricing.md`). */
export interface UnitPrices {
  /** Uncached input tokens, USD per million. */
  input?: number;
  /** Input tokens read from the prompt cache. Default: the input price. */
  cacheRead?: number;
  /** Input tokens written to the cache (5-minute or duration-less writes). Default: the input price. */
  cacheWrite?: number;
  /** Input tokens written to a 1-hour cache. Default: the `cacheWrite` price. */
  cacheWrite1h?: number;
  /** Output tokens (reasoning included unless `reasoning` is priced apart). */
  output?: number;
  /** Reasoning tokens, only where a provider prices them apart from other output. */
  reasoning?: number;
  /** Audio input tokens, USD per million. Default: the input price. */
  audioInput?: number;
  /** Audio output tokens, USD per million. Default: the output price. */
  audioOutput?: number;
  /** Input audio, USD per minute (billed on `audioSeconds`). */
  audioInputMinute?: number;
  /** USD per image. */
  image?: number;
  /** USD per request. */
  request?: number;
  /** USD per page (OCR, document AI). */
  page?: number;
  /** USD per 1,000 characters. */
  characters?: number;
}

/** The units priced per token (USD per million); cache and audio ones default to input/output. */
export const TOKEN_UNIT_PRICE_KEYS = [
  "input",
  "cacheRead",
  "cacheWrite",
  "cacheWrite1h",
  "output",
  "reasoning",
  "audioInput",
  "audioOutput",
] as const satisfies readonly (keyof UnitPrices)[];

export const UNIT_PRICE_KEYS = [
  ...TOKEN_UNIT_PRICE_KEYS,
  "audioInputMinute",
  "image",
  "request",
  "page",
  "characters",
] as const satisfies readonly (keyof UnitPrices)[];

/**
 * A context-length tier: when the request's `basis` token count is above `above`, the tier's
 * prices apply. `scope: "request"` re-prices the whole request (Gemini, Anthropic long context);
 * `scope: "excess"` re-prices only the uncached input tokens beyond the threshold.
 */
export interface ContextTier {
  above: number;
  /** Which tokens count toward the threshold. `input`: the whole prompt, cache reads and writes included. */
  basis?: "input" | "uncached-input" | "input-and-output";
  scope?: "request" | "excess";
  /** Prices that replace the base prices in this tier (units left out keep the base price). */
  prices: UnitPrices;
}

/** Prices on a service tier: explicit unit prices, or a multiplier of the standard prices. */
export interface ServiceTierPrices {
  multiplier?: number;
  prices?: UnitPrices;
  /** Context tiers for these prices (default: the standard tiers, scaled by `multiplier`). */
  tiers?: ContextTier[];
}

export type ServiceTierName = "batch" | "flex" | "priority";

/** Prices in force from a date (inclusive, UTC) until the next change. */
export interface DatedPrices {
  from: string;
  prices: UnitPrices;
  tiers?: ContextTier[];
  serviceTiers?: Partial<Record<ServiceTierName, ServiceTierPrices>>;
}

/** A model-id matching rule, in genai-prices' vocabulary (case-insensitive). */
export type MatchRule =
  | { equals: string }
  | { startsWith: string }
  | { endsWith: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchRule[] }
  | { and: MatchRule[] }
  | { any: true };

/** Where an entry came from; decides precedence: custom > imported > curated > snapshot. */
export type PriceLayer = "custom" | "imported" | "curated" | "snapshot";

/** One priced model. */
export interface PriceEntry {
  /** Unique id, `provider/model` for catalog entries. */
  id: string;
  /** Canonical provider name (see `PROVIDER_ALIASES`). */
  provider: string;
  /** Canonical model id, lower case. */
  model: string;
  /** Display name. */
  name?: string;
  kind?: "llm" | "embedding" | "ocr" | "other";
  /** Other exact ids that mean this model (dated snapshots, old names). */
  aliases?: string[];
  /** A pattern for ids that are not listed exactly (snapshot entries, wildcard providers). */
  match?: MatchRule;
  /** Prices in force before the first `dated` change (or always, without `dated`). */
  prices: UnitPrices;
  tiers?: ContextTier[];
  serviceTiers?: Partial<Record<ServiceTierName, ServiceTierPrices>>;
  /** Later price changes, oldest first. */
  dated?: DatedPrices[];
  /**
   * Multiplier on regional (not global) endpoints of this provider, e.g. 1.1 for Claude Sonnet 4.5
   * and later on Bedrock and Vertex regional endpoints.
   */
  regionalMultiplier?: number;
  /**
   * USD per use of server-side tools (web search, file search, ...), in place of the tool-fee
   * table's rate for this model. Set by custom entries: a negotiated or newer fee.
   */
  toolFees?: Partial<Record<ToolCallKey, number>>;
  /** The page the prices were read from. */
  source: string;
  /** When the prices were last checked against `source`, `YYYY-MM-DD`. */
  checkedAt: string;
  /** For generated or imported entries: the upstream record it was converted from. */
  upstream?: string;
  /** Anything a reader of the price should know (volume tiers left out, assumptions). */
  notes?: string;
  /** Filled in by the price book. */
  layer?: PriceLayer;
  /**
   * Filled in by the price book for a custom entry that leaves units out: the id of the catalog
   * entry it overrides, whose prices filled those units (decision 0023).
   */
  completedFrom?: string;
}

/** Usage to price: the token convention of `UsageEvent`, plus non-token units. */
export interface PricingUsage {
  /** The whole prompt: cache reads, cache writes and audio input included. */
  inputTokens?: number;
  /** All output: reasoning and audio output included. */
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
  /** Part of `inputTokens` that was audio. */
  audioInputTokens?: number;
  /** Part of `outputTokens` that was audio. */
  audioOutputTokens?: number;
  audioSeconds?: number;
  images?: number;
  pages?: number;
  characters?: number;
  /** Requests this usage covers. Default 1. */
  requests?: number;
  /** Server-side tool uses, priced by the tool fees (`src/pricing/catalog/tool-fees.ts`). */
  toolCalls?: ToolCalls;
}

/** What the call was: which model, where, when. */
export interface PricingOptions {
  model: string;
  provider?: string;
  /** `standard` (also `default`, `auto`), `batch`, `flex` or `priority`. */
  serviceTier?: string;
  /** Endpoint region, e.g. `global`, `us-east5`; Bedrock ids carry their own (`us.`, `global.`). */
  region?: string;
  /** When the call was made; selects dated prices. Default now. */
  at?: Date | string | number;
}

/** The entry a cost was computed from. */
export interface PriceMatch {
  provider: string;
  model: string;
  entryId: string;
  source: Extract<PriceSource, "catalog" | "custom" | "imported">;
  layer: PriceLayer;
  catalogVersion: string;
  /** The page the prices come from. */
  sourceUrl: string;
  checkedAt: string;
}

/** The result of `calculateCost`. */
export interface CostResult {
  costUsd: number;
  /** The same cost in integer nano-dollars: sum these to add costs without drift. */
  costNanoUsd: number;
  breakdown: CostBreakdown;
  currency: "USD";
  serviceTier: "standard" | ServiceTierName;
  /** True when a regional-endpoint uplift was applied. */
  regional: boolean;
  /** True when a context-length tier applied. */
  longContext: boolean;
  matched: PriceMatch;
}
