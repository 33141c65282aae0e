/**
 * `llmeter/dashboard`: the local web dashboard over a ledger, for embedding in your own process.
 * `llmeter serve` is the same server from the command line.
 */

export type { BudgetRow, BudgetsPanel, BudgetsSource } from "./budgets-panel.ts";
export type {
  DashboardCall,
  DashboardData,
  UnpricedModel,
} from "./build-dashboard-data.ts";
export type { StackBy, Timeline, TimelineBucket } from "./build-timeline.ts";
export {
  type DashboardServer,
  type DashboardServerOptions,
  DEFAULT_DASHBOARD_PORT,
  startDashboardServer,
} from "./dashboard-server.ts";
