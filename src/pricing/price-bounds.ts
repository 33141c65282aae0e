/**
 * The bounds every loaded price must keep (custom price files, LiteLLM and genai-prices
 * catalogs): a price no real model comes near is a typo or a unit mix-up, and one large enough
 * overflows the cost arithmetic into a non-finite cost that no ledger can store.
 */

import type { PriceEntry, UnitPrices } from "./types.ts";
import { UNIT_PRICE_KEYS } from "./types.ts";

/**
 * The highest unit price accepted: USD 1,000,000 per million tokens, per image, request or page,
 * per 1,000 characters, or per audio minute. The dearest catalog price is below USD 1,000.
 */
export const MAX_UNIT_PRICE_USD = 1_000_000;

/** The highest service-tier or regional multiplier accepted. */
export const MAX_PRICE_MULTIPLIER = 100;

// Digits grouped by hand: toLocaleString() would load ICU's locale data (about 50 ms) when this
// module loads, which every process that imports llmeter pays.
const MAX_UNIT_PRICE_TEXT = String(MAX_UNIT_PRICE_USD).replace(/\B(?=(\d{3})+$)/g, ",");

/** What a unit price must be, said the way a user fixes it. */
export const UNIT_PRICE_RULE = `expected a price from 0 to ${MAX_UNIT_PRICE_TEXT} in USD per million tokens (per image, request or page; per 1,000 characters; per audio minute), e.g. 2.5 for $2.50 per million tokens`;

/** What a multiplier must be. */
export const MULTIPLIER_RULE = `expected a multiplier above 0 and at most ${MAX_PRICE_MULTIPLIER}, e.g. 0.5 for half price`;

/** Whether `value` is a usable unit price. */
export function isUnitPrice(value: unknown): value is number {
  return (
    typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_UNIT_PRICE_USD
  );
}

function isMultiplier(value: unknown): value is number {
  return (
    typeof value === "number" &&
    Number.isFinite(value) &&
    value > 0 &&
    value <= MAX_PRICE_MULTIPLIER
  );
}

/**
 * The first out-of-bounds value of a converted entry (prices, tiers, service tiers, dated changes,
 * multipliers) as `{ field, value, rule }`, or undefined when every value is in bounds.
 */
export function findPriceOutOfBounds(
  entry: PriceEntry,
): { field: string; value: unknown; rule: string } | undefined {
  const checks: Array<[string, UnitPrices | undefined]> = [["prices", entry.prices]];
  const multipliers: Array<[string, number | undefined]> = [
    ["regionalMultiplier", entry.regionalMultiplier],
  ];
  const periods: Array<[string, Pick<PriceEntry, "tiers" | "serviceTiers">]> = [["", entry]];
  for (const [index, change] of (entry.dated ?? []).entries()) {
    checks.push([`dated[${index}].prices`, change.prices]);
    periods.push([`dated[${index}].`, change]);
  }
  for (const [prefix, period] of periods) {
    for (const [index, tier] of (period.tiers ?? []).entries())
      checks.push([`${prefix}tiers[${index}].prices`, tier.prices]);
    for (const [name, special] of Object.entries(period.serviceTiers ?? {})) {
      checks.push([`${prefix}serviceTiers.${name}.prices`, special?.prices]);
      multipliers.push([`${prefix}serviceTiers.${name}.multiplier`, special?.multiplier]);
      for (const [index, tier] of (special?.tiers ?? []).entries())
        checks.push([`${prefix}serviceTiers.${name}.tiers[${index}].prices`, tier.prices]);
    }
  }
  for (const [field, prices] of checks) {
    if (prices === undefined) continue;
    for (const unit of UNIT_PRICE_KEYS) {
      const value = prices[unit];
      if (value !== undefined && !isUnitPrice(value))
        return { field: `${field}.${unit}`, value, rule: UNIT_PRICE_RULE };
    }
  }
  for (const [field, value] of multipliers)
    if (value !== undefined && !isMultiplier(value)) return { field, value, rule: MULTIPLIER_RULE };
  return undefined;
}
