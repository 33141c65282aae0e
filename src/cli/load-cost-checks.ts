import type { UsageReport } from "../stats/usage-stats.ts";
import { loadProviderCostDrift } from "../store/provider-cost-drift.ts";
import { listUnpricedModels } from "../store/unpriced-models.ts";
import type { UsageStore } from "../store/usage-store.ts";
import type { CliContext } from "./cli-context.ts";
import { priceBookFor } from "./commands/prices.ts";
import type { CostChecks } from "./format/usage-report-text.ts";
import type { ResolvedQuery } from "./usage-query.ts";

/**
 * What `usage show` and `report --json` add to a report: how each unpriced model gets a price
 * (reprice or a price file, judged by the catalog and the user's price file), and where the
 * providers' own bills drift from the catalog. Nothing is read when there is nothing to say.
 */
export async function loadCostChecks(
  store: UsageStore,
  query: ResolvedQuery,
  report: UsageReport,
  context: Pick<CliContext, "stdout" | "stderr" | "env" | "cwd">,
): Promise<Required<CostChecks>> {
  const [unpricedModels, providerCostDrift] = await Promise.all([
    report.totals.unpricedRequests === 0
      ? []
      : listUnpricedModels(store, {
          filter: query.filter,
          timeZone: query.timeZone,
          book: priceBookFor(context, undefined),
          models: report.groupBy === "model" ? report.groups : undefined,
        }),
    loadProviderCostDrift(store, query.filter, {
      presentProviders:
        report.groupBy === "provider" ? report.groups.map((group) => group.key) : undefined,
    }),
  ]);
  return { unpricedModels, providerCostDrift };
}
