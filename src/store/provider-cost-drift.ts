import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "./usage-store.ts";

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
 * Reads the provider-priced events in `filter` of the providers that report costs (one pass over
 * their events, not over the ledger) and sums them per model.
 */
export async function loadProviderCostDrift(
  store: UsageStore,
  filter: UsageFilter,
  thresholdPercent = DRIFT_THRESHOLD_PERCENT,
): Promise<ProviderCostDrift> {
  const providers =
    filter.provider === undefined
      ? COST_REPORTING_PROVIDERS
      : COST_REPORTING_PROVIDERS.filter((provider) => provider === filter.provider);
  const sums = new Map<
    string,
    {
      provider: string;
      model: string;
      requests: number;
      without: number;
      billed: number;
      estimate: number;
    }
  >();
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
          without: 0,
          billed: 0,
          estimate: 0,
        };
        sums.set(key, sum);
      }
      if (event.estimatedCostUsd === undefined) {
        sum.without += 1;
        continue;
      }
      sum.requests += 1;
      sum.billed += Math.round(event.costUsd * 1e9);
      sum.estimate += Math.round(event.estimatedCostUsd * 1e9);
    }
  }
  const models = [...sums.values()].map((sum): ModelCostDrift => {
    const driftPercent =
      sum.estimate === 0 ? null : ((sum.billed - sum.estimate) / sum.estimate) * 100;
    return {
      provider: sum.provider,
      model: sum.model,
      requests: sum.requests,
      withoutEstimate: sum.without,
      providerCostUsd: sum.billed / 1e9,
      estimatedCostUsd: sum.estimate / 1e9,
      driftPercent,
      exceedsThreshold:
        driftPercent === null ? sum.billed > 0 : Math.abs(driftPercent) > thresholdPercent,
    };
  });
  models.sort(
    (a, b) =>
      Math.abs(b.driftPercent ?? Number.POSITIVE_INFINITY) -
        Math.abs(a.driftPercent ?? Number.POSITIVE_INFINITY) ||
      (a.provider === b.provider ? (a.model < b.model ? -1 : 1) : a.provider < b.provider ? -1 : 1),
  );
  return { thresholdPercent, models };
}
