import type { Diagnostics } from "../meter/diagnostics.ts";
import type { BudgetRule } from "./budget-rule.ts";

/** Where spend stands against a limit. */
export type BudgetState = "ok" | "warning" | "critical" | "exceeded";

/** Sent once per threshold per window, to callbacks and the webhook (JSON). */
export interface BudgetAlert {
  schemaVersion: 1;
  type: "llmeter.budget.alert";
  budgetId: string;
  scope: string;
  rule: BudgetRule;
  /** The percent crossed (75, 90, 100 by default) and the state it means. */
  threshold: number;
  state: BudgetState;
  windowKey: string;
  windowStart: string;
  windowEnd: string;
  limitUsd?: number;
  spentUsd: number;
  /** Percent of the limit used: the largest of USD, tokens and requests for rules with several. */
  usedPercent: number;
  firedAt: string;
}

/**
 * Sent once per window when a rule with `alertOnProjection` is forecast to pass its USD limit
 * before the window ends, while it has not yet (the 100 % alert takes over from there).
 */
export interface BudgetProjectionAlert {
  schemaVersion: 1;
  type: "llmeter.budget.projection";
  budgetId: string;
  scope: string;
  rule: BudgetRule;
  windowKey: string;
  windowStart: string;
  windowEnd: string;
  limitUsd: number;
  spentUsd: number;
  /** The forecast at the window's end and its 80 % range (docs/decisions/0046). */
  projectedUsd: number;
  lowUsd: number;
  highUsd: number;
  /** The day (`YYYY-MM-DD`, the rule's time zone) the projection reaches the limit. */
  reachesLimitOn: string;
  /** Complete days the forecast was fitted on. */
  observedDays: number;
  firedAt: string;
}

/** Receives budget alerts; may be async. A callback that throws is reported, never re-thrown. */
export type BudgetAlertCallback = (alert: BudgetAlert) => unknown;

/**
 * Receives projection alerts (`budgets.onProjectionAlert`): a callback of its own, so code typed
 * for `BudgetAlert` keeps compiling; the webhook and the diagnostics line get both (`type` tells).
 */
export type BudgetProjectionAlertCallback = (alert: BudgetProjectionAlert) => unknown;

/** Where alerts are POSTed as JSON. */
export interface BudgetWebhook {
  url: string;
  headers?: Record<string, string>;
  /** Per attempt. Default 5,000 ms. */
  timeoutMs?: number;
  /** Attempts in all. Default 4. */
  maxAttempts?: number;
  /** First retry after this, doubling each time (with jitter). Default 500 ms. */
  backoffMs?: number;
}

/** The state for a percent used, by the rule's thresholds (highest crossed: exceeded at ≥100%). */
export function stateFor(usedPercent: number, thresholds: readonly number[]): BudgetState {
  if (usedPercent >= 100) return "exceeded";
  const crossed = thresholds.filter((threshold) => usedPercent >= threshold && threshold < 100);
  if (crossed.length === 0) return "ok";
  // The highest threshold under 100 is critical; lower ones warn.
  const belowHundred = thresholds.filter((threshold) => threshold < 100);
  return crossed.length === belowHundred.length && belowHundred.length > 1 ? "critical" : "warning";
}

/** How an alert reads in the diagnostics log: its level, its line, and its name in failures. */
export interface AlertDescription {
  level: "warn" | "error";
  message: string;
  label: string;
}

function describeBudgetAlert(alert: BudgetAlert | BudgetProjectionAlert): AlertDescription {
  if (alert.type === "llmeter.budget.projection")
    return {
      level: "warn",
      message: `budget "${alert.budgetId}" (${alert.scope}) is on track to exceed $${alert.limitUsd} by ${alert.reachesLimitOn}: $${alert.spentUsd.toFixed(4)} spent, $${alert.projectedUsd.toFixed(2)} projected at the end of ${alert.windowKey} (80 %: $${alert.lowUsd.toFixed(2)}–$${alert.highUsd.toFixed(2)})`,
      label: `projection alert "${alert.budgetId}"`,
    };
  return {
    level: alert.state === "exceeded" ? "error" : "warn",
    message: `budget "${alert.budgetId}" (${alert.scope}) reached ${alert.threshold}% in ${alert.windowKey}: $${alert.spentUsd.toFixed(4)}${alert.limitUsd === undefined ? "" : ` of $${alert.limitUsd}`}`,
    label: `alert "${alert.budgetId}" ${alert.threshold}%`,
  };
}

/**
 * Delivers alerts off the caller's path: callbacks, then the webhook with retries, backoff and a
 * timeout, and a line in the diagnostics log. Nothing here ever throws into a call. Budget alerts
 * and health alerts (src/alerts/) share it, so both reach the same channels the same way.
 */
export class AlertDispatcher<Alert = BudgetAlert | BudgetProjectionAlert> {
  private readonly callbacks: readonly ((alert: Alert) => unknown)[];
  private readonly webhook: BudgetWebhook | undefined;
  private readonly diagnostics: Diagnostics;
  private readonly describe: (alert: Alert) => AlertDescription;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: {
    callbacks: readonly ((alert: Alert) => unknown)[];
    webhook: BudgetWebhook | undefined;
    diagnostics: Diagnostics;
    /** Default: the budget alert's line. */
    describe?: (alert: Alert) => AlertDescription;
  }) {
    this.callbacks = options.callbacks;
    this.webhook = options.webhook;
    this.diagnostics = options.diagnostics;
    this.describe =
      options.describe ?? (describeBudgetAlert as unknown as (alert: Alert) => AlertDescription);
  }

  dispatch(alert: Alert): void {
    const description = this.describe(alert);
    this.diagnostics.report(description.level, description.message);
    const work = this.deliver(alert).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Resolves when every alert dispatched so far was delivered or given up on. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async deliver(alert: Alert): Promise<void> {
    for (const callback of this.callbacks) {
      try {
        await callback(alert);
      } catch (error) {
        this.diagnostics.once(
          `budget-callback:${callback.name}`,
          "warn",
          "an alert callback threw (reported once)",
          error,
        );
      }
    }
    if (this.webhook !== undefined) await this.post(this.webhook, alert);
  }

  private async post(webhook: BudgetWebhook, alert: Alert): Promise<void> {
    const maxAttempts = webhook.maxAttempts ?? 4;
    const body = JSON.stringify(alert);
    let lastProblem = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const response = await fetch(webhook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...webhook.headers },
          body,
          signal: AbortSignal.timeout(webhook.timeoutMs ?? 5_000),
        });
        await response.body?.cancel();
        if (response.ok) return;
        lastProblem = `HTTP ${response.status}`;
        // A 4xx other than 408/429 will not get better by retrying.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      if (attempt < maxAttempts) {
        const delay = (webhook.backoffMs ?? 500) * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)));
      }
    }
    this.diagnostics.report(
      "error",
      `alert webhook ${redact(webhook.url)} failed (${lastProblem}); ${this.describe(alert).label} not delivered`,
    );
  }
}

// The webhook URL may carry a token in its query: never log it.
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid url)";
  }
}
