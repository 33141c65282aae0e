import { nanoUsd } from "../stats/aggregate-events.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import { compareProviderThenModel } from "./provider-model-order.ts";
import type { ProviderCostSum, UsageStore } from "./usage-store.ts";

/**
 * Drift between what providers billed and what the catalog says: per model, the sum of the costs
 * the provider reported (`priceSource: "provider"`) against the sum of the estimates kept beside
 * them (`estimatedCostUsd`). `usage show` and the dashboard flag a model whose drift passes
 * `DRIFT_THRESHOLD_PERCENT`: a catalog price that is out of date, a discount, a fee we do not
 * model.
 */

/**
 * Drift, in percent of the estimate, that `usage show` and the dashboard call out. Below it the
 * gap is rounding, cache discounts the usage does not break down, or tool fees priced apart.
 */
export const DRIFT_THRESHOLD_PERCENT = 5;

/**
 * The providers whose OpenAI-compatible usage carries the billed cost (xAI's
 * `cost_in_usd_ticks`, OpenRouter's `cost`; read in integrations/openai/openai-usage.ts). Only
 * their events are read, so the drift query costs nothing on a ledger without them.
 */
export const COST_REPORTING_PROVIDERS: readonly string[] = ["xai", "openrouter"];

/** The drift of one provider and model. Money in USD, summed in integer nano-dollars. */
export interface ModelCostDrift {
  provider: string;
  model: string;
  /** Calls with a provider-reported cost and a catalog estimate: the ones compared. */
  requests: number;
  /** Calls with a provider-reported cost the catalog could not price (not compared). */
  withoutEstimate: number;
  /** What the provider billed for the compared calls. */
  providerCostUsd: number;
  /** What the catalog would have charged for them. */
  estimatedCostUsd: number;
  /** (billed − estimate) / estimate × 100; null when the estimate is 0. */
  driftPercent: number | null;
  /** |drift| above the threshold (or a billed cost where the catalog says 0). */
  exceedsThreshold: boolean;
}

/** The JSON shape of `providerCostDrift` in `usage show --json` and the dashboard's data. */
export interface ProviderCostDrift {
  thresholdPercent: number;
  /** Every model with provider-reported costs, the largest drift first. */
  models: ModelCostDrift[];
}

/**
 * Sums the provider-priced events in `filter` of the providers that report costs, per model: in
 * the store's own query where it has one (SQLite, PostgreSQL), else over their events. Only the
 * providers that have calls in `filter` are asked for: `presentProviders` when the caller has the
 * provider breakdown already, else one aggregate by provider (from the rollups on SQLite). A
 * ledger without xAI or OpenRouter calls then pays nothing more.
 */
export async function loadProviderCostDrift(
  store: UsageStore,
  filter: UsageFilter,
  options: { presentProviders?: readonly string[]; thresholdPercent?: number } = {},
): Promise<ProviderCostDrift> {
  const thresholdPercent = options.thresholdPercent ?? DRIFT_THRESHOLD_PERCENT;
  const present = new Set(
    options.presentProviders ??
      (await store.aggregate({ filter, groupBy: ["provider"], timeZone: "UTC" })).groupsBy.provider
        ?.filter((group) => group.totalRequests > 0)
        .map((group) => group.key),
  );
  const providers = COST_REPORTING_PROVIDERS.filter((provider) => present.has(provider));
  if (providers.length === 0) return { thresholdPercent, models: [] };
  const sums =
    store.providerCostSums === undefined
      ? await scanProviderCosts(store, filter, providers)
      : await store.providerCostSums(filter, providers);
  const models = sums.map((sum): ModelCostDrift => {
    const driftPercent =
      sum.estimateNano === 0
        ? null
        : ((sum.billedNano - sum.estimateNano) / sum.estimateNano) * 100;
    return {
      provider: sum.provider,
      model: sum.model,
      requests: sum.requests,
      withoutEstimate: sum.withoutEstimate,
      providerCostUsd: sum.billedNano / 1e9,
      estimatedCostUsd: sum.estimateNano / 1e9,
      driftPercent,
      exceedsThreshold:
        driftPercent === null ? sum.billedNano > 0 : Math.abs(driftPercent) > thresholdPercent,
    };
  });
  models.sort(
    (a, b) =>
      Math.abs(b.driftPercent ?? Number.POSITIVE_INFINITY) -
        Math.abs(a.driftPercent ?? Number.POSITIVE_INFINITY) || compareProviderThenModel(a, b),
  );
  return { thresholdPercent, models };
}

/** The sums from the events themselves, for a store that cannot compute them (memory). */
async function scanProviderCosts(
  store: UsageStore,
  filter: UsageFilter,
  providers: readonly string[],
): Promise<ProviderCostSum[]> {
  const sums = new Map<string, ProviderCostSum>();
  for (const provider of providers) {
    for await (const event of store.events({ ...filter, provider })) {
      if (event.priceSource !== "provider" || event.costUsd === undefined) continue;
      const key = `${event.provider}\u0000${event.model}`;
      let sum = sums.get(key);
      if (sum === undefined) {
        sum = {
          provider: event.provider,
          model: event.model,
          requests: 0,
          withoutEstimate: 0,
          billedNano: 0,
          estimateNano: 0,
        };
        sums.set(key, sum);
      }
      if (event.estimatedCostUsd === undefined) {
        sum.withoutEstimate += 1;
        continue;
      }
      sum.requests += 1;
      sum.billedNano += nanoUsd(event.costUsd);
      sum.estimateNano += nanoUsd(event.estimatedCostUsd);
    }
  }
  return [...sums.values()];
}
