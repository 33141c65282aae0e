import type { BudgetRow, BudgetRowForecast, BudgetsSource } from "../dashboard/budgets-panel.ts";
import { forecastBudget } from "../forecast/budget-forecast.ts";
import type { UsageStore } from "../store/usage-store.ts";
import { openBudgetLedger, resolveBudgetRules } from "./budget-ledger.ts";
import { budgetStatus } from "./budget-manager.ts";

/**
 * The dashboard's budgets panel from a SQLite ledger: the rules saved there (and `extraRules`, e.g.
 * the `budgets` setting) with their spend. Each call opens and closes the ledger, so it always
 * shows what every process has written. With `store` (the same ledger's usage store), each row
 * also carries its forecast.
 *
 * @example
 * createDashboardServer({ ..., budgets: createLedgerBudgetsSource(".llmeter/usage.db") })
 */
export function createLedgerBudgetsSource(
  location: string,
  options: {
    extraRules?: unknown[];
    timeZone?: string;
    now?: () => number;
    store?: UsageStore;
  } = {},
): BudgetsSource {
  const extra = resolveBudgetRules(
    options.extraRules ?? [],
    options.timeZone === undefined ? {} : { timeZone: options.timeZone },
    "budgets setting",
  );
  return async () => {
    const ledger = openBudgetLedger(location);
    try {
      const nowMs = (options.now ?? Date.now)();
      const own = new Set(extra.map((rule) => rule.id));
      const rules = [...extra, ...ledger.listRules().filter((rule) => !own.has(rule.id))];
      const rows: BudgetRow[] = [];
      for (const rule of rules) {
        const status = budgetStatus(rule, ledger.spend(rule, nowMs), nowMs);
        const row: BudgetRow = {
          name: status.id,
          scope: status.scope,
          limitUsd: status.limitUsd ?? 0,
          spentUsd: status.spentUsd,
          // The panel knows three states: critical is a warning there.
          state:
            status.state === "exceeded" ? "exceeded" : status.state === "ok" ? "ok" : "warning",
        };
        if (status.windowKey !== "rolling") row.windowEndsAt = status.windowEnd;
        if (status.projectedUsd !== undefined) row.projectedUsd = status.projectedUsd;
        if (options.store !== undefined) {
          const { forecast } = await forecastBudget(options.store, rule, status, nowMs);
          const total = forecast?.windowEnd ?? forecast?.monthEnd;
          if (total !== undefined) {
            const { spentUsd: _spentUsd, ...projected } = total;
            row.forecast = {
              end: forecast?.windowEnd === undefined ? "month" : "window",
              ...projected,
            } satisfies BudgetRowForecast;
          }
        }
        rows.push(row);
      }
      return rows;
    } finally {
      ledger.close();
    }
  };
}
