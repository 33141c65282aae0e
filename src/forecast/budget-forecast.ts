import type { BudgetStatus } from "../budgets/budget-manager.ts";
import type { BudgetScope, ResolvedBudgetRule } from "../budgets/budget-rule.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import { forecastLedgerSpend, type SpendForecast } from "./ledger-spend-forecast.ts";

/** Why a budget has no forecast, in words for `budget check` and the dashboard. */
export type BudgetForecastGap = "attribute-scope" | "no-spend";

/** A budget's forecast, or why there is none. */
export type BudgetForecastResult =
  | { forecast: SpendForecast; gap?: undefined }
  | { forecast?: undefined; gap: BudgetForecastGap };

/**
 * The ledger filter for a budget's scope; undefined for scopes on free attributes, which the
 * daily rollups cannot filter on (a forecast of a larger scope would mislead).
 */
export function budgetScopeFilter(scope: BudgetScope): UsageFilter | undefined {
  if (scope.attributes !== undefined && Object.keys(scope.attributes).length > 0) return undefined;
  const filter: UsageFilter = {};
  if (scope.tenantId !== undefined) filter.tenantId = scope.tenantId;
  if (scope.userId !== undefined) filter.userId = scope.userId;
  if (scope.sessionId !== undefined) filter.sessionId = scope.sessionId;
  if (scope.provider !== undefined) filter.provider = scope.provider;
  if (scope.model !== undefined) filter.model = scope.model;
  return filter;
}

/**
 * Forecasts a budget's scope from the ledger's daily spend, in the rule's time zone: the month
 * end always, and the window end for calendar windows (a rolling window has no end to project
 * to), with the day the projection reaches the USD limit. The window's spend so far is the
 * budget's own (`status.spentUsd`), so the projection starts from what `budget check` shows.
 */
export async function forecastBudget(
  store: UsageStore,
  rule: ResolvedBudgetRule,
  status: BudgetStatus,
  nowMs: number,
): Promise<BudgetForecastResult> {
  const filter = budgetScopeFilter(rule.scope);
  if (filter === undefined) return { gap: "attribute-scope" };
  const calendar = "calendar" in rule.window ? rule.window.calendar : undefined;
  const forecast = await forecastLedgerSpend(store, {
    nowMs,
    timeZone: rule.timeZone,
    filter,
    scope: `budget:${rule.id}`,
    ...(calendar === undefined
      ? {}
      : {
          window: {
            spentUsd: status.spentUsd,
            endMs: Date.parse(status.windowEnd),
            ...(rule.limitUsd === undefined ? {} : { limitUsd: rule.limitUsd }),
          },
        }),
    // A month budget's limit is the month's; other windows' limits say nothing of the month.
    ...(calendar === "month" && rule.limitUsd !== undefined
      ? { monthLimitUsd: rule.limitUsd }
      : {}),
  });
  return forecast === undefined ? { gap: "no-spend" } : { forecast };
}

/** `no forecast: …` for a gap. */
export function describeForecastGap(gap: BudgetForecastGap): string {
  return gap === "attribute-scope"
    ? "no forecast for attribute scopes (daily rollups do not keep attributes)"
    : "no spend in the last 62 days to forecast from";
}
