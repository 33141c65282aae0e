import { periodLengthMs } from "../stats/period.ts";

/** What a health alert watches. */
export type HealthMetric =
  | "latencyP95Ms"
  | "timeToFirstTokenP95Ms"
  | "errorRate"
  | "spendPerHourUsd"
  | "spendSpike";

export const HEALTH_METRICS: readonly HealthMetric[] = [
  "latencyP95Ms",
  "timeToFirstTokenP95Ms",
  "errorRate",
  "spendPerHourUsd",
  "spendSpike",
];

/** Which calls a rule counts: every present field must match. */
export interface HealthAlertScope {
  provider?: string;
  model?: string;
  tenantId?: string;
}

/** A health alert rule, as written in options, the `alerts` setting or `llmeter alert set`. */
export interface HealthAlertRule {
  id: string;
  metric: HealthMetric;
  /**
   * The bound: milliseconds for the percentiles, a share 0..1 for `errorRate`, USD per hour for
   * `spendPerHourUsd`, and a multiple of the usual hourly rate for `spendSpike`.
   */
  above: number;
  /** Rolling window: `5m`, `1h`. Default `5m` (`1h` for spend). */
  window?: string;
  scope?: HealthAlertScope;
  /** Calls in the window below which the rule says nothing. Default 20 (spend: 1). */
  minCalls?: number;
  /** `spendSpike`: the window the usual rate is taken from. Default `24h`. */
  baseline?: string;
}

/** A rule with defaults applied and durations in ms. */
export interface ResolvedHealthAlertRule extends HealthAlertRule {
  windowMs: number;
  baselineMs: number;
  minCalls: number;
}

/** Checks a rule and applies defaults; `where` names its origin for the error. */
export function resolveHealthAlertRule(
  rule: HealthAlertRule,
  where: string,
): ResolvedHealthAlertRule {
  const problem = (text: string) =>
    new Error(`${where}: health alert "${String(rule?.id)}" ${text}`);
  if (typeof rule !== "object" || rule === null)
    throw new Error(`${where}: a health alert must be an object`);
  if (typeof rule.id !== "string" || rule.id.trim() === "") {
    throw new Error(`${where}: every health alert needs an "id" (a name such as "slow-openai")`);
  }
  if (!HEALTH_METRICS.includes(rule.metric)) {
    throw problem(`has metric "${String(rule.metric)}"; use one of ${HEALTH_METRICS.join(", ")}`);
  }
  if (typeof rule.above !== "number" || !Number.isFinite(rule.above) || rule.above <= 0) {
    throw problem(`needs "above": a positive number (ms, a share 0..1, USD/hour or a multiple)`);
  }
  if (rule.metric === "errorRate" && rule.above >= 1) {
    throw problem(`has errorRate above ${rule.above}: give a share under 1, e.g. 0.05 for 5 %`);
  }
  const spend = rule.metric === "spendPerHourUsd" || rule.metric === "spendSpike";
  const windowMs = durationOf(rule.window ?? (spend ? "1h" : "5m"), problem);
  const baselineMs = durationOf(rule.baseline ?? "24h", problem);
  if (rule.metric === "spendSpike" && baselineMs <= windowMs) {
    throw problem(`has a baseline (${rule.baseline ?? "24h"}) no longer than its window`);
  }
  const minCalls = rule.minCalls ?? (spend ? 1 : 20);
  if (!Number.isInteger(minCalls) || minCalls < 1) {
    throw problem(`has minCalls ${String(rule.minCalls)}; give a whole number of 1 or more`);
  }
  return { ...rule, windowMs, baselineMs, minCalls };
}

function durationOf(text: string, problem: (text: string) => Error): number {
  try {
    const ms = periodLengthMs(text);
    if (ms === undefined) throw new RangeError("all is not a window");
    return ms;
  } catch (error) {
    throw problem(`has window "${text}": ${(error as Error).message}`);
  }
}
