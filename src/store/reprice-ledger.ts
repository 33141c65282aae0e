import type { PriceBook } from "../pricing/price-book.ts";
import { repriceEvent } from "../pricing/reprice-event.ts";
import { nanoUsd } from "../stats/aggregate-events.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { compareProviderThenModel } from "./provider-model-order.ts";
import type { UsageStore } from "./usage-store.ts";

/** Options for `repriceLedger`. */
export interface RepriceOptions {
  filter: UsageFilter;
  book: PriceBook;
  /** Compute the totals and write nothing. */
  dryRun?: boolean;
  /** ISO 8601 time written as `repricedAt` on the events that change. */
  repricedAt: string;
  /** Changed events written per `updateCosts` call (one transaction each). Default 5,000. */
  batchSize?: number;
  /** Called after each batch with how many events were read so far. */
  onProgress?: (read: number) => void;
}

/** Counts and old and new totals. Money in integer nano-dollars, so sums are exact. */
export interface RepriceCounts {
  events: number;
  /** Events whose cost changed (or would, in a dry run). */
  repriced: number;
  /** Costs from the provider or the caller, left alone. */
  kept: number;
  /** Events no price is known for. */
  unpriced: number;
  oldCostNanoUsd: number;
  newCostNanoUsd: number;
}

/** The counts of one provider and model. */
export interface RepriceModelSummary extends RepriceCounts {
  provider: string;
  model: string;
}

/** What `repriceLedger` did, per model (sorted by provider, then model) and in total. */
export interface RepriceSummary extends RepriceCounts {
  dryRun: boolean;
  models: RepriceModelSummary[];
}

/**
 * Recomputes the costs of the events in `filter` with `book`, in batches: each batch of changed
 * events is one `updateCosts` transaction, so an interrupted run leaves whole batches written and
 * a second run finishes the rest (events already at the new price are left alone).
 */
export async function repriceLedger(
  store: UsageStore,
  options: RepriceOptions,
): Promise<RepriceSummary> {
  const dryRun = options.dryRun === true;
  const updateCosts = store.updateCosts?.bind(store);
  if (!dryRun && updateCosts === undefined)
    throw new Error("This ledger cannot update stored costs (no updateCosts).");
  const batchSize = options.batchSize ?? 5_000;
  const byModel = new Map<string, RepriceModelSummary>();
  let read = 0;
  let batch: UsageEvent[] = [];
  // The cost each batched event had when read: the store may skip reading it again.
  let previousCosts: Array<number | undefined> = [];
  const flush = async () => {
    if (batch.length > 0 && updateCosts !== undefined && !dryRun)
      await updateCosts(batch, previousCosts);
    batch = [];
    previousCosts = [];
    options.onProgress?.(read);
  };
  for await (const event of store.events(options.filter)) {
    read += 1;
    const key = `${event.provider}\u0000${event.model}`;
    let summary = byModel.get(key);
    if (summary === undefined) {
      summary = {
        provider: event.provider,
        model: event.model,
        events: 0,
        repriced: 0,
        kept: 0,
        unpriced: 0,
        oldCostNanoUsd: 0,
        newCostNanoUsd: 0,
      };
      byModel.set(key, summary);
    }
    const oldNano = nanoUsd(event.costUsd);
    const outcome = repriceEvent(event, options.book, options.repricedAt);
    summary.events += 1;
    summary.oldCostNanoUsd += oldNano;
    if (outcome.status === "changed") {
      summary.repriced += 1;
      summary.newCostNanoUsd += nanoUsd(outcome.event.costUsd);
      batch.push(outcome.event);
      previousCosts.push(event.costUsd);
      if (batch.length === batchSize) await flush();
      continue;
    }
    if (outcome.status === "kept") summary.kept += 1;
    else if (outcome.status === "unpriced") summary.unpriced += 1;
    summary.newCostNanoUsd += oldNano;
  }
  await flush();
  const models = [...byModel.values()].sort(compareProviderThenModel);
  const total = (
    field: "events" | "repriced" | "kept" | "unpriced" | "oldCostNanoUsd" | "newCostNanoUsd",
  ) => models.reduce((sum, model) => sum + model[field], 0);
  return {
    dryRun,
    events: total("events"),
    repriced: total("repriced"),
    kept: total("kept"),
    unpriced: total("unpriced"),
    oldCostNanoUsd: total("oldCostNanoUsd"),
    newCostNanoUsd: total("newCostNanoUsd"),
    models,
  };
}
