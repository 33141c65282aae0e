/** One budget as the page shows it: its limit, what is spent, and when the window ends. */
export interface BudgetRow {
  name: string;
  /** What the budget covers, in words: `tenant acme`, `model gpt-4o`, `all calls`. */
  scope: string;
  limitUsd: number;
  spentUsd: number;
  /** `ok`, `warning` (past its alert threshold) or `exceeded`. */
  state: "ok" | "warning" | "exceeded";
  /** ISO 8601 of the end of the current window. */
  windowEndsAt?: string;
  /** Spend projected at the end of the window at the current rate. */
  projectedUsd?: number;
  /**
   * The forecast (weekday seasonality, damped trend; docs/decisions/0046) at the end of the
   * window, or of the month for a rolling window, with its 80 % range.
   */
  forecast?: BudgetRowForecast;
}

/** A budget row's forecast: where it ends, the projection and range, the day it passes the limit. */
export interface BudgetRowForecast {
  /** `window` (a calendar window's end) or `month` (a rolling window: the month end). */
  end: "window" | "month";
  at: string;
  projectedUsd: number;
  lowUsd: number;
  highUsd: number;
  reachesLimitOn?: string;
}

/** The budgets panel: the rows, or why there are none. */
export interface BudgetsPanel {
  /** False when no budget source is configured for this dashboard. */
  available: boolean;
  budgets: BudgetRow[];
  /** Shown in the empty state. */
  note?: string;
}

/** Lists budgets with their state; given to `createDashboardServer` by whoever knows the rules. */
export type BudgetsSource = () => Promise<BudgetRow[]>;

/** Reads `source` into the panel; without one, the empty state says how budgets are set up. */
export async function loadBudgetsPanel(source: BudgetsSource | undefined): Promise<BudgetsPanel> {
  if (source === undefined)
    return {
      available: false,
      budgets: [],
      note: "No budgets configured for this dashboard.",
    };
  return { available: true, budgets: await source() };
}
