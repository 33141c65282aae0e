import { forecastLedgerSpend, type SpendForecast } from "../forecast/ledger-spend-forecast.ts";
import { NONE_KEY } from "../stats/aggregate-events.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";

/** The forecast panel: the month end overall and per tenant (the page's top tenants). */
export interface ForecastPanel {
  /** Absent when the ledger has no spend in the look-back. */
  overall?: SpendForecast;
  tenants: SpendForecast[];
}

/** Tenants forecast on the page: each costs one daily aggregate over the look-back. */
const TENANT_LIMIT = 10;

/**
 * Forecasts the month end from the ledger's daily spend, overall and for each of `tenants`
 * (the first ten), under the page's provider/model filters; the period filter does not apply
 * (a forecast reads its own 62 days).
 */
export async function loadForecastPanel(
  store: UsageStore,
  options: { filter: UsageFilter; tenants: readonly string[]; timeZone: string; nowMs: number },
): Promise<ForecastPanel> {
  const { sinceMs: _sinceMs, untilMs: _untilMs, ...filter } = options.filter;
  const forecast = (scope: string, own: UsageFilter) =>
    forecastLedgerSpend(store, {
      nowMs: options.nowMs,
      timeZone: options.timeZone,
      filter: own,
      scope,
    });
  const tenantIds =
    filter.tenantId === undefined
      ? options.tenants.filter((tenant) => tenant !== NONE_KEY).slice(0, TENANT_LIMIT)
      : [];
  const [overall, ...tenants] = await Promise.all([
    forecast(filter.tenantId === undefined ? "all" : `tenant:${filter.tenantId}`, filter),
    ...tenantIds.map((tenantId) => forecast(`tenant:${tenantId}`, { ...filter, tenantId })),
  ]);
  const panel: ForecastPanel = {
    tenants: tenants.filter((entry): entry is SpendForecast => entry !== undefined),
  };
  if (overall !== undefined) panel.overall = overall;
  return panel;
}
