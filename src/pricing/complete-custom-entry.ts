/**
 * A custom price entry covers what it prices (decision 0023): the units it leaves out come from
 * the entry it overrides (imported or bundled catalog), never $0. An entry that overrides nothing
 * keeps its gaps; the price book leaves a call that needs a missing unit unpriced.
 */

import { pricesAt } from "./calculate-cost.ts";
import { type PriceEntry, TOKEN_UNIT_PRICE_KEYS, type UnitPrices } from "./types.ts";

/**
 * `entry` with each unit it leaves out (in its own prices and in each dated change) taken from
 * `overridden`'s current prices, and `completedFrom` naming that entry. Unchanged when there is
 * nothing to take.
 */
export function completeCustomEntry(
  entry: PriceEntry,
  overridden: PriceEntry | undefined,
): PriceEntry {
  if (overridden === undefined) return entry;
  const fallback = pricesAt(overridden, Date.now()).prices;
  const complete = (prices: UnitPrices): UnitPrices => ({ ...fallback, ...definedOnly(prices) });
  return {
    ...entry,
    prices: complete(entry.prices),
    ...(entry.dated === undefined
      ? {}
      : { dated: entry.dated.map((change) => ({ ...change, prices: complete(change.prices) })) }),
    completedFrom: overridden.id,
  };
}

// An explicit `undefined` (from code, not JSON) must not hide the catalog's price.
function definedOnly(prices: UnitPrices): UnitPrices {
  const result: UnitPrices = {};
  for (const [unit, value] of Object.entries(prices))
    if (value !== undefined) result[unit as keyof UnitPrices] = value;
  return result;
}

/**
 * The token units a call with these counts needs and `prices` leaves out: `input` for input
 * tokens, `output` for output tokens. Empty for prices that name other units but no token unit
 * (a per-page or per-request entry does not bill tokens); prices naming nothing (an entry that
 * only sets tool fees) miss both.
 */
export function missingTokenUnits(
  prices: UnitPrices,
  usage: { inputTokens?: number; outputTokens?: number },
): Array<"input" | "output"> {
  const namesOtherUnits = Object.values(prices).some((value) => value !== undefined);
  if (namesOtherUnits && !TOKEN_UNIT_PRICE_KEYS.some((unit) => prices[unit] !== undefined))
    return [];
  const missing: Array<"input" | "output"> = [];
  if (prices.input === undefined && (usage.inputTokens ?? 0) > 0) missing.push("input");
  if (prices.output === undefined && (usage.outputTokens ?? 0) > 0) missing.push("output");
  return missing;
}
