/**
 * Converts a catalog in LiteLLM's `model_prices_and_context_window.json` format into price entries.
 * LiteLLM prices are USD per token (or per page, per image); ours are USD per million tokens.
 */

import { canonicalProvider } from "./model-id.ts";
import type { ContextTier, PriceEntry, ServiceTierPrices, UnitPrices } from "./types.ts";

// LiteLLM field → our unit and factor (per token → per million tokens).
const FIELDS: ReadonlyArray<[string, keyof UnitPrices, number]> = [
  ["input_cost_per_token", "input", 1e6],
  ["output_cost_per_token", "output", 1e6],
  ["cache_read_input_token_cost", "cacheRead", 1e6],
  ["cache_creation_input_token_cost", "cacheWrite", 1e6],
  ["cache_creation_input_token_cost_above_1hr", "cacheWrite1h", 1e6],
  ["output_cost_per_reasoning_token", "reasoning", 1e6],
  ["input_cost_per_audio_token", "audioInput", 1e6],
  ["output_cost_per_audio_token", "audioOutput", 1e6],
  ["input_cost_per_image", "image", 1],
  ["output_cost_per_image", "image", 1],
  ["ocr_cost_per_page", "page", 1],
  ["input_cost_per_page", "page", 1],
  ["input_cost_per_character", "characters", 1000],
  ["input_cost_per_request", "request", 1],
];

const MODES: Readonly<Record<string, PriceEntry["kind"]>> = {
  chat: "llm",
  completion: "llm",
  responses: "llm",
  embedding: "embedding",
  ocr: "ocr",
};

/** LiteLLM's provider names → ours (`vertex_ai-anthropic_models` → `vertex`, ...). */
export function litellmProvider(name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith("vertex_ai")) return "vertex";
  if (lower.startsWith("bedrock")) return "bedrock";
  if (lower.startsWith("cohere")) return "cohere";
  if (lower.startsWith("azure")) return "azure";
  if (lower === "text-completion-openai") return "openai";
  if (lower === "gemini") return "google";
  return canonicalProvider(lower);
}

/** Options for `convertLiteLlmPrices`. */
export interface LiteLlmConvertOptions {
  where: string;
  checkedAt: string;
  source: string;
}

/** Converts LiteLLM-format data; throws an error naming the model and field on bad data. */
export function convertLiteLlmPrices(data: unknown, options: LiteLlmConvertOptions): PriceEntry[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new Error(
      `${options.where}: expected an object keyed by model name (LiteLLM model_prices_and_context_window.json format)`,
    );
  }
  const entries: PriceEntry[] = [];
  const seen = new Set<string>();
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    if (key === "sample_spec") continue;
    const where = `${options.where}: model "${key}"`;
    if (raw === null || typeof raw !== "object") throw new Error(`${where}: expected an object`);
    const spec = raw as Record<string, unknown>;
    const providerField = spec.litellm_provider;
    if (typeof providerField !== "string") {
      throw new Error(`${where}: field "litellm_provider" must be a string`);
    }
    const provider = litellmProvider(providerField);
    const prices = readPrices(spec, "", where);
    if (Object.keys(prices).length === 0) continue;
    let model = key.toLowerCase();
    const slash = model.indexOf("/");
    if (slash > 0 && litellmProvider(model.slice(0, slash)) === provider)
      model = model.slice(slash + 1);
    const id = `${provider}/${model}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const entry: PriceEntry = {
      id,
      provider,
      model,
      prices,
      source: typeof spec.source === "string" ? spec.source : options.source,
      checkedAt: options.checkedAt,
      upstream: `litellm:${key}`,
      layer: "imported",
    };
    if (model !== key.toLowerCase()) entry.aliases = [key.toLowerCase()];
    const kind = typeof spec.mode === "string" ? MODES[spec.mode] : undefined;
    if (kind !== undefined) entry.kind = kind;
    const tier = readPrices(spec, "_above_200k_tokens", where);
    if (Object.keys(tier).length > 0) {
      const tiers: ContextTier[] = [
        { above: 200_000, basis: "input", scope: "request", prices: tier },
      ];
      entry.tiers = tiers;
    }
    const serviceTiers: NonNullable<PriceEntry["serviceTiers"]> = {};
    for (const [suffix, name] of [
      ["_batches", "batch"],
      ["_flex", "flex"],
      ["_priority", "priority"],
    ] as const) {
      const tierPrices = readPrices(spec, suffix, where);
      if (Object.keys(tierPrices).length > 0) {
        const special: ServiceTierPrices = { prices: { ...prices, ...tierPrices } };
        serviceTiers[name] = special;
      }
    }
    if (Object.keys(serviceTiers).length > 0) entry.serviceTiers = serviceTiers;
    entries.push(entry);
  }
  return entries;
}

function readPrices(spec: Record<string, unknown>, suffix: string, where: string): UnitPrices {
  const prices: UnitPrices = {};
  for (const [field, unit, factor] of FIELDS) {
    const value = spec[`${field}${suffix}`];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(
        `${where}: field "${field}${suffix}" must be a non-negative number, got ${JSON.stringify(value)}`,
      );
    }
    prices[unit] = Number((value * factor).toPrecision(12));
  }
  return prices;
}
