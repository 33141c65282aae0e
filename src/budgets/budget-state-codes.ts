import type { BudgetState } from "./budget-alerts.ts";

/**
 * Budget states in order of severity; a state's index is its number in `llmeter_budget_state`,
 * so `>= 1` means "warning or worse" and a budget keeps one series whatever its state
 * (docs/decisions/0065).
 */
export const BUDGET_STATES: readonly BudgetState[] = ["ok", "warning", "critical", "exceeded"];

/** The number of a state: 0 ok, 1 warning, 2 critical, 3 exceeded. */
export function budgetStateCode(state: BudgetState): number {
  return BUDGET_STATES.indexOf(state);
}
