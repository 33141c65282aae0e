/**
 * What a fetched catalog would change against the prices in effect now: models that become
 * priced, models whose unit prices change, and entries of the previous fetch that are gone.
 */

import type { PriceBook } from "./price-book.ts";
import { type PriceEntry, UNIT_PRICE_KEYS, type UnitPrices } from "./types.ts";

/** One unit price that changes. */
export interface PriceChange {
  unit: keyof UnitPrices;
  from: number | null;
  to: number | null;
}

/** The result of `diffCatalog`. */
export interface CatalogDiff {
  /** Entries for models no price in effect covers today. */
  added: PriceEntry[];
  /** Models priced today whose prices the new catalog would change (custom prices excluded: they still win). */
  changed: Array<{ entry: PriceEntry; previous: PriceEntry; changes: PriceChange[] }>;
  /** Entries of the previous fetched catalog that the new one no longer has. */
  removed: PriceEntry[];
}

/** Compares `next` (a fetched catalog's entries) with `current` (the book in effect) and `previous` (the last fetch). */
export function diffCatalog(
  current: PriceBook,
  previous: readonly PriceEntry[],
  next: readonly PriceEntry[],
): CatalogDiff {
  const diff: CatalogDiff = { added: [], changed: [], removed: [] };
  for (const entry of next) {
    const existing = current.findEntry(entry.model, entry.provider);
    if (existing === undefined) {
      diff.added.push(entry);
      continue;
    }
    // A custom price keeps winning after the update, so the fetched one changes nothing there.
    if (existing.layer === "custom") continue;
    const changes = priceChanges(existing.prices, entry.prices);
    if (changes.length > 0) diff.changed.push({ entry, previous: existing, changes });
  }
  const nextIds = new Set(next.map((entry) => entry.id));
  for (const entry of previous) if (!nextIds.has(entry.id)) diff.removed.push(entry);
  return diff;
}

function priceChanges(from: UnitPrices, to: UnitPrices): PriceChange[] {
  const changes: PriceChange[] = [];
  for (const unit of UNIT_PRICE_KEYS) {
    const before = from[unit];
    const after = to[unit];
    if (before === after) continue;
    changes.push({ unit, from: before ?? null, to: after ?? null });
  }
  return changes;
}
