import type { CostBreakdown, UsageEvent } from "../usage/usage-event.ts";
import type { PriceBook } from "./price-book.ts";

/** What repricing one event came to. */
export type RepriceOutcome =
  /** The cost came from the provider or the caller: never recomputed. */
  | { status: "kept" }
  /** No price is known for its model now: left as it was. */
  | { status: "unpriced" }
  /** The price book gives the cost it already has. */
  | { status: "unchanged" }
  /** A new cost; `event` is the stored event with its cost fields replaced. */
  | { status: "changed"; event: UsageEvent };

/**
 * Whether llmeter may recompute an event's cost: it has none, or it came from a catalog or price
 * file llmeter applied (`catalog`, `custom`). A cost the provider reported (`provider`), the caller
 * set (`manual`), a catalog imported by the caller priced (`imported`), or a cost that arrived
 * without a source (an imported file's `costUsd`) is the cost of record.
 */
export function isRepriceable(event: UsageEvent): boolean {
  if (event.costUsd === undefined) return event.priceSource !== "provider";
  return event.priceSource === "catalog" || event.priceSource === "custom";
}

/**
 * Prices a stored event again with `book` (the same price book the meter uses), keeping its
 * provenance: price entry, catalog version and `repricedAt`. An event whose cost and provenance
 * already match is `unchanged`, so repricing twice changes nothing.
 */
export function repriceEvent(
  event: UsageEvent,
  book: PriceBook,
  repricedAt: string,
): RepriceOutcome {
  if (!isRepriceable(event)) return { status: "kept" };
  const priced = book.priceEvent(event);
  if (priced === null) return { status: "unpriced" };
  if (
    priced.costUsd === event.costUsd &&
    priced.source === event.priceSource &&
    priced.entryId === event.priceEntryId &&
    priced.catalogVersion === event.catalogVersion &&
    sameBreakdown(priced.breakdown, event.costBreakdown)
  )
    return { status: "unchanged" };
  return {
    status: "changed",
    event: {
      ...event,
      costUsd: priced.costUsd,
      costBreakdown: priced.breakdown,
      priceSource: priced.source,
      priceEntryId: priced.entryId,
      catalogVersion: priced.catalogVersion,
      repricedAt,
    },
  };
}

function sameBreakdown(a: CostBreakdown | undefined, b: CostBreakdown | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a) as (keyof CostBreakdown)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key]);
}
