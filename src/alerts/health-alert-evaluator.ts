import type { UsageEvent } from "../usage/usage-event.ts";
import type {
  HealthAlertRule,
  HealthAlertScope,
  HealthMetric,
  ResolvedHealthAlertRule,
} from "./health-alert-rule.ts";
import { type CallSummary, RollingBuckets } from "./rolling-buckets.ts";

const HOUR_MS = 3_600_000;

/** Sent when a rule starts breaching (`firing`) and when it stops (`resolved`), once each. */
export interface HealthAlert {
  schemaVersion: 1;
  type: "llmeter.health.alert";
  alertId: string;
  status: "firing" | "resolved";
  metric: HealthMetric;
  /** The measured value over the window (ms, share, USD/hour, or multiple of the usual rate). */
  value: number;
  above: number;
  window: string;
  scope: string;
  /** Calls in the window when it was evaluated. */
  calls: number;
  /** `spendSpike`: the usual rate, USD/hour, over the baseline before the window. */
  usualUsdPerHour?: number;
  rule: HealthAlertRule;
  firedAt: string;
}

/** Where a rule stands, for `meter.alerts.status()`, Prometheus and `llmeter alert check`. */
export interface HealthAlertStatus {
  alertId: string;
  metric: HealthMetric;
  scope: string;
  firing: boolean;
  value: number | undefined;
  above: number;
  calls: number;
  minCalls: number;
}

interface RuleState {
  rule: ResolvedHealthAlertRule;
  buckets: RollingBuckets;
  firing: boolean;
  last: { value: number | undefined; calls: number };
}

/**
 * Evaluates health rules as events arrive: each matching event goes into the rule's rolling
 * buckets, then the rule is re-checked. Cheap (a few histogram merges per event per matching
 * rule) and bounded in memory. Fires once when a breach starts and once when it ends.
 */
export class HealthAlertEvaluator {
  private readonly states: RuleState[];
  private readonly emit: (alert: HealthAlert) => void;

  constructor(rules: readonly ResolvedHealthAlertRule[], emit: (alert: HealthAlert) => void) {
    this.emit = emit;
    this.states = rules.map((rule) => ({
      rule,
      buckets: new RollingBuckets(
        rule.windowMs,
        rule.metric === "spendSpike" ? rule.baselineMs : rule.windowMs,
      ),
      firing: false,
      last: { value: undefined, calls: 0 },
    }));
  }

  observe(event: UsageEvent): void {
    const atMs = Date.parse(event.timestamp);
    for (const state of this.states) {
      if (!inScope(state.rule.scope, event)) continue;
      state.buckets.add(atMs, event);
      this.evaluate(state, atMs);
    }
  }

  /** Re-evaluates every rule at `nowMs` without a new call: a breach ends as its window empties. */
  advance(nowMs: number): void {
    for (const state of this.states) this.evaluate(state, nowMs);
  }

  status(): HealthAlertStatus[] {
    return this.states.map((state) => ({
      alertId: state.rule.id,
      metric: state.rule.metric,
      scope: describeHealthScope(state.rule.scope),
      firing: state.firing,
      value: state.last.value,
      above: state.rule.above,
      calls: state.last.calls,
      minCalls: state.rule.minCalls,
    }));
  }

  private evaluate(state: RuleState, nowMs: number): void {
    const { rule } = state;
    const window = state.buckets.summary(nowMs, rule.windowMs);
    let usualUsdPerHour: number | undefined;
    let value: number | undefined;
    if (rule.metric === "spendSpike") {
      // The usual rate is the baseline's spend before this window, so a spike does not raise it.
      const baseline = state.buckets.summary(nowMs, rule.baselineMs);
      // Over the hours actually seen: a meter up for 10 hours has no 24 hours to average.
      const seenMs = nowMs - (state.buckets.oldestMs() ?? nowMs);
      const beforeHours = Math.min(rule.baselineMs, seenMs) / HOUR_MS - rule.windowMs / HOUR_MS;
      usualUsdPerHour = (baseline.costUsd - window.costUsd) / beforeHours;
      const rate = window.costUsd / (rule.windowMs / HOUR_MS);
      value = beforeHours > 0 && usualUsdPerHour > 0 ? rate / usualUsdPerHour : undefined;
      // No usual spend yet: nothing to compare with, so no spike (spendPerHourUsd covers that).
      if (baseline.calls - window.calls < rule.minCalls) value = undefined;
    } else {
      value = measure(rule.metric, window, rule.windowMs);
    }
    state.last = { value, calls: window.calls };
    // Below the minimum calls the rule is not breaching: one slow call pages nobody.
    const breaching = window.calls >= rule.minCalls && value !== undefined && value > rule.above;
    if (breaching === state.firing) return;
    state.firing = breaching;
    const alert: HealthAlert = {
      schemaVersion: 1,
      type: "llmeter.health.alert",
      alertId: rule.id,
      status: breaching ? "firing" : "resolved",
      metric: rule.metric,
      value: value ?? 0,
      above: rule.above,
      window: rule.window ?? `${rule.windowMs / 60_000}m`,
      scope: describeHealthScope(rule.scope),
      calls: window.calls,
      rule: stripResolved(rule),
      firedAt: new Date(nowMs).toISOString(),
    };
    if (usualUsdPerHour !== undefined) alert.usualUsdPerHour = usualUsdPerHour;
    this.emit(alert);
  }
}

function measure(metric: HealthMetric, window: CallSummary, windowMs: number): number | undefined {
  switch (metric) {
    case "latencyP95Ms":
      return window.latencyP95Ms;
    case "timeToFirstTokenP95Ms":
      return window.timeToFirstTokenP95Ms;
    case "errorRate":
      return window.calls === 0 ? undefined : window.errors / window.calls;
    case "spendPerHourUsd":
      return window.costUsd / (windowMs / HOUR_MS);
    case "spendSpike":
      return undefined;
  }
}

function inScope(scope: HealthAlertScope | undefined, event: UsageEvent): boolean {
  if (scope === undefined) return true;
  if (scope.provider !== undefined && scope.provider !== event.provider) return false;
  if (scope.model !== undefined && scope.model !== event.model) return false;
  if (scope.tenantId !== undefined && scope.tenantId !== event.tenantId) return false;
  return true;
}

/** `provider=openai model=gpt-4.1`, or `all`. */
export function describeHealthScope(scope: HealthAlertScope | undefined): string {
  const parts: string[] = [];
  if (scope?.provider !== undefined) parts.push(`provider=${scope.provider}`);
  if (scope?.model !== undefined) parts.push(`model=${scope.model}`);
  if (scope?.tenantId !== undefined) parts.push(`tenant=${scope.tenantId}`);
  return parts.length === 0 ? "all" : parts.join(" ");
}

function stripResolved(rule: ResolvedHealthAlertRule): HealthAlertRule {
  const { windowMs: _windowMs, baselineMs: _baselineMs, ...own } = rule;
  return { ...own, minCalls: rule.minCalls };
}
