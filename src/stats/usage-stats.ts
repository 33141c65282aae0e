/**
 * The one shape of usage statistics, shared by `meter.getStats()`, the ledger's queries, the CLI's
 * `--json` output and the dashboard's API. Field names follow the netrun-style collector
 * (`totalRequests`, `latencyP95`, `byProvider`, ...), in camelCase.
 */

/** Sums and percentiles over a set of events. Percentiles are `undefined` when nothing was measured. */
export interface UsageTotals {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  /** successfulRequests / totalRequests, 0..1; 1 when there were no requests. */
  successRate: number;
  /** Calls served from a response cache. */
  cachedRequests: number;
  /** Calls with no known price: their cost is not in `totalCostUsd`. */
  unpricedRequests: number;
  streamingRequests: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  totalTokens: number;
  totalCacheReadTokens: number;
  totalCacheWriteTokens: number;
  totalReasoningTokens: number;
  totalCostUsd: number;
  avgCostPerRequest: number;
  avgLatencyMs?: number;
  latencyP50?: number;
  latencyP95?: number;
  latencyP99?: number;
  timeToFirstTokenP50?: number;
  timeToFirstTokenP95?: number;
  timeToFirstTokenP99?: number;
}

/** One row of a breakdown: the totals of the events that share `key`. */
export interface UsageGroup extends UsageTotals {
  key: string;
  /** This group's share of the total cost, in percent (0 when the total is 0). */
  costSharePercent: number;
}

export type GroupBy =
  | "provider"
  | "model"
  | "tenant"
  | "user"
  | "session"
  | "kind"
  | "day"
  | "week"
  | "month";

export const GROUP_BY_VALUES: readonly GroupBy[] = [
  "provider",
  "model",
  "tenant",
  "user",
  "session",
  "kind",
  "day",
  "week",
  "month",
];

/** Which events a query covers. All present fields must match. */
export interface UsageFilter {
  /** Inclusive lower bound, ms since the epoch. */
  sinceMs?: number;
  /** Exclusive upper bound, ms since the epoch. */
  untilMs?: number;
  tenantId?: string;
  userId?: string;
  sessionId?: string;
  provider?: string;
  model?: string;
  kind?: string;
}

/** The period a statistic covers, as asked and as resolved to instants. */
export interface ResolvedPeriod {
  /** `1h`, `24h`, `7d`, `30d`, `all`, or `custom` for explicit since/until. */
  name: string;
  /** ISO 8601, absent for an open start. */
  since?: string;
  /** ISO 8601, absent for an open end. */
  until?: string;
}

/** `meter.getStats()`: totals plus the standard breakdowns. */
export interface UsageStats extends UsageTotals {
  period: ResolvedPeriod;
  filters: Omit<UsageFilter, "sinceMs" | "untilMs">;
  byProvider: Record<string, UsageGroup>;
  byModel: Record<string, UsageGroup>;
  byTenant: Record<string, UsageGroup>;
  byUser: Record<string, UsageGroup>;
  /** Failed calls counted by `errorType`. */
  errorsByType: Record<string, number>;
}

/** The JSON shape of every data report (`usage show --json`, `report --json`, the dashboard API). */
export interface UsageReport {
  schemaVersion: 1;
  period: ResolvedPeriod;
  filters: Omit<UsageFilter, "sinceMs" | "untilMs">;
  /** The grouping of `groups`, or null for totals only. */
  groupBy: GroupBy | null;
  timeZone: string;
  totals: UsageTotals;
  groups: UsageGroup[];
  errorsByType: Record<string, number>;
}
