/**
 * Converts catalogs in genai-prices' data format (`Provider[]`, as in its `data.json`) into price
 * entries. Used by the snapshot generator and by `createPriceBook({ imported })`.
 */

import { exactIdsOf, fromGenaiMatch } from "./match-rule.ts";
import { canonicalProvider } from "./model-id.ts";
import type { ContextTier, DatedPrices, PriceEntry, UnitPrices } from "./types.ts";

// genai-prices price keys → our units and the factor from their unit to ours.
const PRICE_KEYS: Readonly<Record<string, [keyof UnitPrices, number]>> = {
  input_mtok: ["input", 1],
  output_mtok: ["output", 1],
  cache_read_mtok: ["cacheRead", 1],
  cache_write_mtok: ["cacheWrite", 1],
  cache_write_1h_mtok: ["cacheWrite1h", 1],
  output_reasoning_mtok: ["reasoning", 1],
  input_audio_mtok: ["audioInput", 1],
  output_audio_mtok: ["audioOutput", 1],
  requests_kcount: ["request", 1 / 1000],
  input_document_kpages: ["page", 1 / 1000],
  input_audio_hours: ["audioInputMinute", 1 / 60],
};
// `audio_hours` is the same price as `input_audio_hours` in their data; the rest is not metered here.
const IGNORED_KEYS = new Set(["audio_hours"]);

/** A genai-prices provider record (the fields we read). */
interface GenaiProvider {
  id: string;
  pricing_urls?: string[];
  models: GenaiModel[];
}

interface GenaiModel {
  id: string;
  name?: string;
  match: unknown;
  prices: unknown;
}

/** Options for `convertGenaiPrices`. */
export interface GenaiConvertOptions {
  /** Recorded on every entry as `checkedAt`. */
  checkedAt: string;
  /** Prefix for `upstream`, e.g. `genai-prices@0.1.8`. */
  upstreamLabel: string;
  /** Where the data came from, for error messages. */
  where: string;
}

/** Result of a conversion: the entries, and models skipped with the reason. */
export interface GenaiConversion {
  entries: PriceEntry[];
  skipped: Array<{ id: string; reason: string }>;
}

/** Converts genai-prices `Provider[]` data; throws an error naming the provider and model on bad data. */
export function convertGenaiPrices(data: unknown, options: GenaiConvertOptions): GenaiConversion {
  if (!Array.isArray(data)) {
    throw new Error(
      `${options.where}: expected an array of providers (genai-prices data.json format)`,
    );
  }
  const entries: PriceEntry[] = [];
  const skipped: GenaiConversion["skipped"] = [];
  const seen = new Set<string>();
  for (const [providerIndex, raw] of data.entries()) {
    const provider = raw as GenaiProvider;
    if (typeof provider?.id !== "string" || !Array.isArray(provider.models)) {
      throw new Error(
        `${options.where}: provider #${providerIndex} needs an "id" and a "models" array`,
      );
    }
    const providerName = canonicalProvider(provider.id);
    const source = provider.pricing_urls?.[0] ?? "https://github.com/pydantic/genai-prices";
    for (const model of provider.models) {
      const where = `${options.where}: provider "${provider.id}", model "${model?.id}"`;
      if (typeof model?.id !== "string") throw new Error(`${where}: "id" must be a string`);
      const modelId = model.id.toLowerCase();
      const converted = convertPrices(model.prices, where);
      if ("skip" in converted) {
        skipped.push({ id: `${provider.id}/${model.id}`, reason: converted.skip });
        continue;
      }
      let id = `${providerName}/${modelId}`;
      for (let n = 2; seen.has(id); n += 1) id = `${providerName}/${modelId}#${n}`;
      seen.add(id);
      const match = fromGenaiMatch(model.match, where);
      const exact = exactIdsOf(match).filter((alias) => alias !== modelId);
      const entry: PriceEntry = {
        id,
        provider: providerName,
        model: modelId,
        prices: converted.prices,
        source,
        checkedAt: options.checkedAt,
        upstream: `${options.upstreamLabel}:${provider.id}/${model.id}`,
      };
      if (model.name !== undefined) entry.name = model.name;
      if (exact.length > 0) entry.aliases = [...new Set(exact)];
      if (!isOnlyEquals(match)) entry.match = match;
      if (converted.tiers.length > 0) entry.tiers = converted.tiers;
      if (converted.dated.length > 0) entry.dated = converted.dated;
      if (/embed/.test(modelId)) entry.kind = "embedding";
      if (converted.ignored.length > 0)
        entry.notes = `Not metered here: ${converted.ignored.join(", ")}.`;
      entries.push(entry);
    }
  }
  return { entries, skipped };
}

function isOnlyEquals(rule: ReturnType<typeof fromGenaiMatch>): boolean {
  if ("equals" in rule) return true;
  if ("or" in rule) return rule.or.every(isOnlyEquals);
  return false;
}

interface ConvertedPrices {
  prices: UnitPrices;
  tiers: ContextTier[];
  dated: DatedPrices[];
  ignored: string[];
}

function convertPrices(raw: unknown, where: string): ConvertedPrices | { skip: string } {
  if (!Array.isArray(raw)) return { ...convertModelPrice(raw, where), dated: [] };
  const blocks = raw as Array<{ constraint?: Record<string, unknown>; prices: unknown }>;
  if (
    blocks.some((block) => block.constraint !== undefined && !("start_date" in block.constraint))
  ) {
    return { skip: "time-of-day prices (off-peak discounts) are not modeled" };
  }
  const [first, ...rest] = blocks;
  if (first === undefined) return { skip: "no prices" };
  const base = convertModelPrice(first.prices, where);
  const dated: DatedPrices[] = rest.map((block) => {
    const converted = convertModelPrice(block.prices, where);
    const change: DatedPrices = {
      from: String(block.constraint?.start_date),
      prices: converted.prices,
    };
    if (converted.tiers.length > 0) change.tiers = converted.tiers;
    return change;
  });
  return { ...base, dated };
}

function convertModelPrice(raw: unknown, where: string): Omit<ConvertedPrices, "dated"> {
  if (raw === null || typeof raw !== "object") {
    throw new Error(`${where}: "prices" must be an object`);
  }
  const prices: UnitPrices = {};
  const tiers = new Map<number, UnitPrices>();
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === undefined || IGNORED_KEYS.has(key)) continue;
    const unit = PRICE_KEYS[key];
    if (unit === undefined) {
      ignored.push(key);
      continue;
    }
    const [name, factor] = unit;
    if (typeof value === "number") {
      prices[name] = round(value * factor);
      continue;
    }
    const tiered = value as { base?: unknown; tiers?: Array<{ start?: unknown; price?: unknown }> };
    if (typeof tiered.base !== "number" || !Array.isArray(tiered.tiers)) {
      throw new Error(`${where}: price "${key}" must be a number or {base, tiers}`);
    }
    prices[name] = round(tiered.base * factor);
    for (const tier of tiered.tiers) {
      if (typeof tier.start !== "number" || typeof tier.price !== "number") {
        throw new Error(`${where}: price "${key}" has a tier without a numeric start and price`);
      }
      const tierPrices = tiers.get(tier.start) ?? {};
      tierPrices[name] = round(tier.price * factor);
      tiers.set(tier.start, tierPrices);
    }
  }
  return {
    prices,
    tiers: [...tiers.entries()]
      .sort(([a], [b]) => a - b)
      .map(([above, tierPrices]) => ({
        above,
        basis: "input",
        scope: "request",
        prices: tierPrices,
      })),
    ignored,
  };
}

// Removes binary noise from unit conversions (0.36 / 60) without changing any real digit.
function round(value: number): number {
  return Number(value.toPrecision(12));
}
