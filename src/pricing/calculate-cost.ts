/**
 * Cost arithmetic: one entry's prices applied to one call's usage. All money is computed in
 * integer pico-dollars per unit and summed in integer nano-dollars, so adding costs never drifts.
 */

import type { CostBreakdown } from "../usage/usage-event.ts";
import type {
  ContextTier,
  PriceEntry,
  PricingUsage,
  ServiceTierName,
  ServiceTierPrices,
  UnitPrices,
} from "./types.ts";

/** Unit prices as integers: pico-dollars per token, per unit, or per character. */
interface PicoPrices {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheWrite: number;
  output: number;
  /** -1 when reasoning is not priced apart from output. */
  reasoning: number;
  audioInput: number;
  audioOutput: number;
  audioInputSecond: number;
  image: number;
  request: number;
  page: number;
  character: number;
}

interface CompiledTier {
  above: number;
  basis: NonNullable<ContextTier["basis"]>;
  scope: NonNullable<ContextTier["scope"]>;
  prices: PicoPrices;
}

/** Prices of one entry for one period, service tier and endpoint kind, ready to multiply. */
export interface CompiledPrices {
  base: PicoPrices;
  /** Highest threshold first. */
  tiers: CompiledTier[];
}

const PER_MILLION = 1e6; // pico-dollars per token = USD per million tokens × 1e6
const PER_UNIT = 1e12;
const PER_THOUSAND = 1e9;

function pico(usd: number | undefined, scale: number, multiplier: number): number {
  return usd === undefined ? 0 : Math.round(usd * scale * multiplier);
}

function toPico(prices: UnitPrices, multiplier: number): PicoPrices {
  const input = pico(prices.input, PER_MILLION, multiplier);
  const output = pico(prices.output, PER_MILLION, multiplier);
  const cacheWrite =
    prices.cacheWrite === undefined ? input : pico(prices.cacheWrite, PER_MILLION, multiplier);
  return {
    input,
    cacheRead:
      prices.cacheRead === undefined ? input : pico(prices.cacheRead, PER_MILLION, multiplier),
    cacheWrite5m: cacheWrite,
    cacheWrite1h:
      prices.cacheWrite1h === undefined
        ? cacheWrite
        : pico(prices.cacheWrite1h, PER_MILLION, multiplier),
    cacheWrite,
    output,
    reasoning:
      prices.reasoning === undefined ? -1 : pico(prices.reasoning, PER_MILLION, multiplier),
    audioInput:
      prices.audioInput === undefined ? input : pico(prices.audioInput, PER_MILLION, multiplier),
    audioOutput:
      prices.audioOutput === undefined ? output : pico(prices.audioOutput, PER_MILLION, multiplier),
    audioInputSecond: pico(prices.audioInputMinute, PER_UNIT / 60, multiplier),
    image: pico(prices.image, PER_UNIT, multiplier),
    request: pico(prices.request, PER_UNIT, multiplier),
    page: pico(prices.page, PER_UNIT, multiplier),
    character: pico(prices.characters, PER_THOUSAND, multiplier),
  };
}

/** The prices, tiers and service tiers in force at `atMs` (dated changes applied). */
export function pricesAt(
  entry: PriceEntry,
  atMs: number,
): Pick<PriceEntry, "prices" | "tiers" | "serviceTiers"> {
  let current: Pick<PriceEntry, "prices" | "tiers" | "serviceTiers"> = entry;
  if (entry.dated !== undefined) {
    for (const change of entry.dated) {
      if (Date.parse(change.from) <= atMs) {
        current = {
          prices: change.prices,
          tiers: change.tiers,
          serviceTiers: change.serviceTiers ?? entry.serviceTiers,
        };
      }
    }
  }
  return current;
}

/**
 * Compiles an entry's prices for a service tier and endpoint. `serviceTierDefaults` are the
 * provider-wide rules (e.g. OpenAI's Batch API at half price) used when the entry has none.
 * Returns undefined when the entry has no price for that service tier.
 */
export function compilePrices(
  period: Pick<PriceEntry, "prices" | "tiers" | "serviceTiers">,
  serviceTier: "standard" | ServiceTierName,
  regionalMultiplier: number,
  serviceTierDefaults: Partial<Record<ServiceTierName, ServiceTierPrices>> | undefined,
): CompiledPrices | undefined {
  let prices = period.prices;
  let tiers = period.tiers ?? [];
  let multiplier = regionalMultiplier;
  if (serviceTier !== "standard") {
    const special = period.serviceTiers?.[serviceTier] ?? serviceTierDefaults?.[serviceTier];
    if (special === undefined) return undefined;
    if (special.prices !== undefined) {
      prices = special.prices;
      tiers = special.tiers ?? [];
    }
    if (special.multiplier !== undefined) multiplier *= special.multiplier;
  }
  const base = toPico(prices, multiplier);
  return {
    base,
    tiers: tiers
      .map((tier) => ({
        above: tier.above,
        basis: tier.basis ?? "input",
        scope: tier.scope ?? "request",
        prices: toPico({ ...prices, ...tier.prices }, multiplier),
      }))
      .sort((a, b) => b.above - a.above),
  };
}

function count(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : 0;
}

/** The cost of `usage` at `compiled` prices, in nano-dollars, with its breakdown. */
export function computeCost(
  compiled: CompiledPrices,
  usage: PricingUsage,
): { nano: number; breakdown: CostBreakdown; longContext: boolean } {
  const input = count(usage.inputTokens);
  const output = count(usage.outputTokens);
  const cacheRead = count(usage.cacheReadTokens);
  const write5m = count(usage.cacheWrite5mTokens);
  const write1h = count(usage.cacheWrite1hTokens);
  // A plain cache-write count that also covers the 5m/1h split is never billed twice.
  const writePlain = Math.max(0, count(usage.cacheWriteTokens) - write5m - write1h);
  const audioIn = count(usage.audioInputTokens);
  const audioOut = count(usage.audioOutputTokens);
  const uncached = Math.max(0, input - cacheRead - write5m - write1h - writePlain - audioIn);

  let prices = compiled.base;
  let excessTier: CompiledTier | undefined;
  let longContext = false;
  for (const tier of compiled.tiers) {
    const basis =
      tier.basis === "input" ? input : tier.basis === "uncached-input" ? uncached : input + output;
    if (basis > tier.above) {
      longContext = true;
      if (tier.scope === "request") prices = tier.prices;
      else excessTier = tier;
      break;
    }
  }

  const breakdown: CostBreakdown = {};
  let total = 0;
  if (excessTier === undefined) {
    total += part(breakdown, "input", uncached * prices.input, uncached);
  } else {
    const below = Math.min(uncached, excessTier.above);
    total += part(
      breakdown,
      "input",
      below * prices.input + (uncached - below) * excessTier.prices.input,
      uncached,
    );
  }
  total += part(breakdown, "cacheRead", cacheRead * prices.cacheRead, cacheRead);
  total += part(
    breakdown,
    "cacheWrite",
    write5m * prices.cacheWrite5m + write1h * prices.cacheWrite1h + writePlain * prices.cacheWrite,
    write5m + write1h + writePlain,
  );
  if (prices.reasoning >= 0) {
    const reasoning = Math.min(count(usage.reasoningTokens), output);
    const text = Math.max(0, output - reasoning - audioOut);
    total += part(breakdown, "output", text * prices.output, text);
    total += part(breakdown, "reasoning", reasoning * prices.reasoning, reasoning);
  } else {
    const text = Math.max(0, output - audioOut);
    total += part(breakdown, "output", text * prices.output, text);
  }
  if (audioIn > 0 || usage.audioSeconds !== undefined || audioOut > 0) {
    total += part(
      breakdown,
      "audioInput",
      audioIn * prices.audioInput + count(usage.audioSeconds) * prices.audioInputSecond,
      audioIn + count(usage.audioSeconds),
    );
    total += part(breakdown, "audioOutput", audioOut * prices.audioOutput, audioOut);
  }
  if (prices.image > 0) total += part(breakdown, "image", count(usage.images) * prices.image, 0);
  if (prices.request > 0)
    total += part(breakdown, "request", (usage.requests ?? 1) * prices.request, 0);
  if (prices.page > 0) total += part(breakdown, "page", count(usage.pages) * prices.page, 0);
  if (prices.character > 0)
    total += part(breakdown, "characters", count(usage.characters) * prices.character, 0);
  return { nano: total, breakdown, longContext };
}

// Each unit is rounded to whole nano-dollars once, so the total is exactly the sum of the parts.
// A unit the call used at a price of 0 is listed as 0: a deliberate zero, told apart from a unit
// the call did not use.
function part(
  breakdown: CostBreakdown,
  unit: keyof CostBreakdown,
  picoUsd: number,
  used: number,
): number {
  if (picoUsd === 0) {
    if (used > 0) breakdown[unit] = 0;
    return 0;
  }
  const nano = Math.round(picoUsd / 1000);
  breakdown[unit] = nano / 1e9;
  return nano;
}
