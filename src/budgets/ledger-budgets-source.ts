import type { BudgetRow, BudgetsSource } from "../dashboard/budgets-panel.ts";
import { openBudgetLedger, resolveBudgetRules } from "./budget-ledger.ts";
import { budgetStatus } from "./budget-manager.ts";

/**
 * The dashboard's budgets panel from a SQLite ledger: the rules saved there (and `extraRules`, e.g.
 * the `budgets` setting) with their spend. Each call opens and closes the ledger, so it always
 * shows what every process has written.
 *
 * @example
 * createDashboardServer({ ..., budgets: createLedgerBudgetsSource(".llmeter/usage.db") })
 */
export function createLedgerBudgetsSource(
  location: string,
  options: { extraRules?: unknown[]; timeZone?: string; now?: () => number } = {},
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
      return rules.map((rule): BudgetRow => {
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
        return row;
      });
    } finally {
      ledger.close();
    }
  };
}
