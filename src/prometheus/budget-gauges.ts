import type { Registry } from "prom-client";
import type { BudgetStatus } from "../budgets/budget-manager.ts";
import { budgetStateCode } from "../budgets/budget-state-codes.ts";
import { registerScrapeGauges } from "./scrape-gauges.ts";

/** Where the budgets stand at scrape time, e.g. `() => meter.budgets?.status()`. */
export type BudgetStatusSource = () => readonly BudgetStatus[] | undefined;

/**
 * Gauges read from the meter's budgets at each scrape (from the ledger, like `llmeter budget
 * check`): spend, reservations in flight, limits, the share used and the state, one series per
 * budget rule labelled by its id, scope and window.
 */
export function registerBudgetGauges(
  registry: Registry,
  prefix: string,
  source: BudgetStatusSource,
): void {
  registerScrapeGauges({
    registry,
    prefix,
    family: "budgets",
    source,
    labelNames: ["budget_id", "scope", "window"],
    labelsOf: (status: BudgetStatus) => ({
      budget_id: status.id,
      scope: status.scope,
      window: windowName(status),
    }),
    gauges: [
      {
        name: "budget_spent_usd",
        help: "Spend in the budget's current window, in US dollars.",
        measure: (status) => status.spentUsd,
      },
      {
        name: "budget_reserved_usd",
        help: "Estimates reserved by calls still in flight under the budget, in US dollars.",
        measure: (status) => status.reservedUsd,
      },
      {
        name: "budget_limit_usd",
        help: "The budget's limitUsd (budgets without one have no series).",
        measure: (status) => status.limitUsd,
      },
      {
        name: "budget_spent_tokens",
        help: "Tokens used in the budget's current window.",
        measure: (status) => status.spentTokens,
      },
      {
        name: "budget_limit_tokens",
        help: "The budget's limitTokens (budgets without one have no series).",
        measure: (status) => status.limitTokens,
      },
      {
        name: "budget_requests",
        help: "Calls in the budget's current window.",
        measure: (status) => status.requests,
      },
      {
        name: "budget_limit_requests",
        help: "The budget's limitRequests (budgets without one have no series).",
        measure: (status) => status.limitRequests,
      },
      {
        name: "budget_used_ratio",
        help: "Share of the budget used (1 = the limit): the largest over its USD, token and request limits.",
        measure: (status) => status.usedPercent / 100,
      },
      {
        name: "budget_state",
        help: "The budget's state by its thresholds: 0 ok, 1 warning, 2 critical, 3 exceeded.",
        measure: (status) => budgetStateCode(status.state),
      },
    ],
  });
}

function windowName(status: BudgetStatus): string {
  const window = status.rule.window;
  return typeof window === "string" ? window : window.rolling;
}
