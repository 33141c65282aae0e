import type { BudgetForecastResult } from "../forecast/budget-forecast.ts";
import type { Diagnostics } from "../meter/diagnostics.ts";
import type { EventPricer } from "../meter/types.ts";
import type { Attribution, UsageEvent } from "../usage/usage-event.ts";
import {
  AlertDispatcher,
  type BudgetAlert,
  type BudgetAlertCallback,
  type BudgetProjectionAlert,
  type BudgetProjectionAlertCallback,
  type BudgetState,
  type BudgetWebhook,
  stateFor,
} from "./budget-alerts.ts";
import { BudgetExceededError } from "./budget-exceeded-error.ts";
import type { BudgetLedger, BudgetSpend } from "./budget-ledger.ts";
import {
  type BudgetRule,
  describeScope,
  type ResolvedBudgetRule,
  scopeMatches,
  toBudgetRule,
} from "./budget-rule.ts";
import type { CallEstimate } from "./estimate-call.ts";

/** `createMeter({ budgets })`: rules, where alerts go, and how calls are estimated. */
export interface BudgetOptions {
  rules?: BudgetRule[];
  /** Called once per threshold per window (across processes sharing the ledger). */
  onAlert?: BudgetAlertCallback | BudgetAlertCallback[];
  /**
   * Called once per window when a rule with `alertOnProjection` is forecast to pass its limit
   * before the window ends. The webhook and the diagnostics log get these alerts too.
   */
  onProjectionAlert?: BudgetProjectionAlertCallback | BudgetProjectionAlertCallback[];
  /** POSTs each alert as JSON; a URL or its full settings. */
  webhook?: string | BudgetWebhook;
  /** Output tokens assumed when a call sets no limit. Default 1,024. */
  defaultMaxOutputTokens?: number;
  /** Also apply rules saved in the ledger with `llmeter budget set`. Default true. */
  ledgerRules?: boolean;
  /** Unsettled reservations expire after this (a crashed process leaks nothing). Default 10 min. */
  reservationTtlMs?: number;
  /** How often a rule's projection is re-forecast as calls come in. Default 15 min. */
  projectionCheckMs?: number;
}

/** Forecasts a rule's window from the ledger's daily spend (the meter's store). */
export type BudgetForecaster = (
  rule: ResolvedBudgetRule,
  status: BudgetStatus,
  nowMs: number,
) => Promise<BudgetForecastResult>;

/** One budget's standing: for `llmeter budget check`, the dashboard and `meter.budgets.status()`. */
export interface BudgetStatus {
  id: string;
  scope: string;
  rule: BudgetRule;
  windowKey: string;
  windowStart: string;
  windowEnd: string;
  limitUsd?: number;
  limitTokens?: number;
  limitRequests?: number;
  spentUsd: number;
  spentTokens: number;
  requests: number;
  reservedUsd: number;
  /** `limitUsd - spent - reserved` (never below 0); absent without a USD limit. */
  remainingUsd?: number;
  /** Percent used: the largest over the limits the rule has. */
  usedPercent: number;
  /** Spend at the end of the window at the burn rate so far (calendar windows only). */
  projectedUsd?: number;
  state: BudgetState;
  enforce: boolean;
}

/** A call's budget reservation, settled by the meter when its event is priced. */
export interface BudgetReservation {
  /** Absent when no rule the call falls under is enforced (nothing to reserve). */
  id?: string;
  rules: readonly ResolvedBudgetRule[];
}

/** The call as budgets see it before it runs. */
export interface BudgetCall extends Attribution {
  provider: string;
  model: string;
  estimate?: CallEstimate | (() => CallEstimate);
}

const RULE_REFRESH_MS = 5_000;
const PROJECTION_CHECK_MS = 15 * 60_000;
/** Complete days of spend before a projection may alert: fewer say little about a month. */
export const MIN_PROJECTION_DAYS = 3;
// Settled reservations whose event is stored are dead weight in every spend query: drop them often.
const CLEANUP_EVERY_MS = 1_000;

/**
 * Budgets for one meter: picks the rules a call falls under, reserves its estimate atomically in
 * the ledger (throwing BudgetExceededError before the call is sent), settles with the real cost, and
 * evaluates alerts from the ledger off the caller's path.
 */
export class BudgetManager {
  readonly ledger: BudgetLedger;
  private readonly configRules: readonly ResolvedBudgetRule[];
  private readonly useLedgerRules: boolean;
  private ledgerRules: readonly ResolvedBudgetRule[] = [];
  private ledgerRulesReadAt = Number.NEGATIVE_INFINITY;
  private readonly pricer: EventPricer | undefined;
  private readonly diagnostics: Diagnostics;
  private readonly now: () => number;
  private readonly defaultMaxOutputTokens: number;
  private readonly dispatcher: AlertDispatcher<BudgetAlert | BudgetProjectionAlert>;
  private readonly forecaster: BudgetForecaster | undefined;
  private readonly projectionCheckMs: number;
  /** When each rule's projection was last forecast, by rule id. */
  private readonly projectedAt = new Map<string, number>();
  private readonly touched = new Map<string, ResolvedBudgetRule>();
  private evaluation: Promise<void> | undefined;
  private lastCleanupMs = Number.NEGATIVE_INFINITY;
  private readonly beforeEvaluate: () => Promise<void>;

  constructor(options: {
    ledger: BudgetLedger;
    rules: readonly ResolvedBudgetRule[];
    budgets: BudgetOptions;
    pricer: EventPricer | undefined;
    diagnostics: Diagnostics;
    now: () => number;
    /** Resolves when the meter's recorded events are in the ledger (its flush). */
    beforeEvaluate: () => Promise<void>;
    /** Absent without a usage store: projection alerts then say once that they cannot run. */
    forecaster?: BudgetForecaster;
  }) {
    this.ledger = options.ledger;
    this.configRules = options.rules;
    this.useLedgerRules = options.budgets.ledgerRules !== false;
    this.pricer = options.pricer;
    this.diagnostics = options.diagnostics;
    this.now = options.now;
    this.defaultMaxOutputTokens = options.budgets.defaultMaxOutputTokens ?? 1024;
    this.beforeEvaluate = options.beforeEvaluate;
    this.forecaster = options.forecaster;
    this.projectionCheckMs = options.budgets.projectionCheckMs ?? PROJECTION_CHECK_MS;
    const webhook = options.budgets.webhook;
    // Each kind of alert reaches its own callbacks; the webhook and diagnostics get both.
    const callbacks = [
      ...listOf(options.budgets.onAlert).map(
        (callback) => (alert: BudgetAlert | BudgetProjectionAlert) =>
          alert.type === "llmeter.budget.alert" ? callback(alert) : undefined,
      ),
      ...listOf(options.budgets.onProjectionAlert).map(
        (callback) => (alert: BudgetAlert | BudgetProjectionAlert) =>
          alert.type === "llmeter.budget.projection" ? callback(alert) : undefined,
      ),
    ];
    this.dispatcher = new AlertDispatcher({
      callbacks,
      webhook: typeof webhook === "string" ? { url: webhook } : webhook,
      diagnostics: options.diagnostics,
    });
  }

  /** Every rule in force: the meter's, then the ledger's (re-read every few seconds). */
  rules(): readonly ResolvedBudgetRule[] {
    if (!this.useLedgerRules) return this.configRules;
    const nowMs = this.now();
    if (nowMs - this.ledgerRulesReadAt >= RULE_REFRESH_MS) {
      this.ledgerRulesReadAt = nowMs;
      try {
        const own = new Set(this.configRules.map((rule) => rule.id));
        this.ledgerRules = this.ledger.listRules().filter((rule) => !own.has(rule.id));
      } catch (error) {
        this.diagnostics.once(
          "budget-rules-read",
          "warn",
          "could not read budget rules from the ledger",
          error,
        );
      }
    }
    return this.ledgerRules.length === 0
      ? this.configRules
      : [...this.configRules, ...this.ledgerRules];
  }

  /**
   * Reserves the call's estimate under every rule it falls under. Throws BudgetExceededError when
   * an enforced rule would be passed. A ledger failure is reported and lets the call through:
   * telemetry never breaks a call.
   */
  reserve(call: BudgetCall, eventId: string): BudgetReservation | undefined {
    const rules = this.rules().filter((rule) => scopeMatches(rule.scope, call));
    if (rules.length === 0) return undefined;
    const enforced = rules.filter((rule) => rule.enforce);
    // Alert-only rules need no reservation: their spend is read from the ledger afterwards.
    if (enforced.length === 0) return { rules };
    const nowMs = this.now();
    this.maybeCleanup(nowMs);
    const { costUsd, tokens } = this.estimate(call, enforced);
    try {
      const id = this.ledger.reserve({ rules: enforced, eventId, costUsd, tokens, nowMs });
      return { id, rules };
    } catch (error) {
      if (BudgetExceededError.isInstance(error)) {
        this.touch(rules);
        throw error;
      }
      this.diagnostics.once(
        "budget-reserve",
        "error",
        "a budget reservation failed; the call goes on unchecked",
        error,
      );
      return undefined;
    }
  }

  /** The call's event is priced: settle its reservation (or release it when nothing was billed). */
  settle(reservation: BudgetReservation | undefined, event: UsageEvent): void {
    try {
      this.ledger.recordEvent?.(event);
      if (reservation !== undefined) {
        const id = reservation.id;
        if (id === undefined) {
          // Nothing reserved.
        } else if (!event.success && !event.costUsd) this.ledger.release(id);
        else this.ledger.settle(id, event.costUsd ?? 0, eventTokens(event), this.now());
        this.touch(reservation.rules);
      } else {
        const rules = this.rules().filter((rule) => scopeMatches(rule.scope, event));
        if (rules.length > 0) this.touch(rules);
      }
    } catch (error) {
      this.diagnostics.once(
        "budget-settle",
        "error",
        "settling a budget reservation failed (it expires by itself)",
        error,
      );
    }
  }

  /** The call was dropped without an event: free its reservation. */
  release(reservation: BudgetReservation | undefined): void {
    if (reservation?.id === undefined) return;
    try {
      this.ledger.release(reservation.id);
    } catch (error) {
      this.diagnostics.once(
        "budget-release",
        "error",
        "releasing a budget reservation failed (it expires by itself)",
        error,
      );
    }
  }

  /** The standing of every rule (or of `ids`), read from the ledger. */
  status(nowMs = this.now()): BudgetStatus[] {
    return this.rules().map((rule) => budgetStatus(rule, this.ledger.spend(rule, nowMs), nowMs));
  }

  /** Evaluates alerts for every rule now (and waits for their delivery). */
  async checkAlerts(): Promise<void> {
    for (const rule of this.rules()) this.touched.set(rule.id, rule);
    this.projectedAt.clear();
    await this.evaluateTouched();
    await this.dispatcher.idle();
  }

  /** Resolves when pending alert evaluations and deliveries are done. */
  async idle(): Promise<void> {
    while (this.evaluation !== undefined) await this.evaluation;
    await this.dispatcher.idle();
  }

  close(): void {
    try {
      this.ledger.close();
    } catch {
      // Already closed.
    }
  }

  private estimate(
    call: BudgetCall,
    rules: readonly ResolvedBudgetRule[],
  ): { costUsd: number; tokens: number } {
    let estimate: CallEstimate = {};
    try {
      estimate = (typeof call.estimate === "function" ? call.estimate() : call.estimate) ?? {};
    } catch (error) {
      this.diagnostics.once(
        "budget-estimate",
        "warn",
        "estimating a call failed; its tokens are taken as unknown",
        error,
      );
    }
    const inputTokens = estimate.inputTokens ?? 0;
    const outputTokens = estimate.maxOutputTokens ?? this.defaultMaxOutputTokens;
    let costUsd = estimate.costUsd;
    if (costUsd === undefined && this.pricer !== undefined) {
      try {
        costUsd =
          this.pricer.priceEvent({
            id: "estimate",
            timestamp: new Date(this.now()).toISOString(),
            kind: "llm",
            operation: "chat",
            provider: call.provider,
            model: call.model,
            success: true,
            inputTokens,
            outputTokens,
            totalTokens: inputTokens + outputTokens,
          })?.costUsd ?? undefined;
      } catch {
        costUsd = undefined;
      }
    }
    if (costUsd === undefined && rules.some((rule) => rule.enforce && rule.limitUsd !== undefined))
      this.diagnostics.once(
        `budget-unpriced:${call.provider}/${call.model}`,
        "warn",
        `no price for ${call.provider}/${call.model}: its calls are reserved at $0 against USD budgets; add a price or pass estimate.costUsd`,
      );
    return { costUsd: costUsd ?? 0, tokens: inputTokens + outputTokens };
  }

  private touch(rules: readonly ResolvedBudgetRule[]): void {
    for (const rule of rules) this.touched.set(rule.id, rule);
    if (this.evaluation !== undefined) return;
    // Off the caller's path, after the meter's events reached the ledger.
    this.evaluation = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.beforeEvaluate())
      .then(() => this.evaluateTouched())
      .catch((error: unknown) =>
        this.diagnostics.once("budget-evaluate", "error", "evaluating budget alerts failed", error),
      )
      .finally(() => {
        this.evaluation = undefined;
        if (this.touched.size > 0) this.touch([]);
      });
  }

  private async evaluateTouched(): Promise<void> {
    const rules = [...this.touched.values()];
    this.touched.clear();
    const nowMs = this.now();
    for (const rule of rules) {
      const status = budgetStatus(rule, this.ledger.spend(rule, nowMs), nowMs);
      for (const threshold of rule.thresholds) {
        if (status.usedPercent < threshold) break;
        if (!this.ledger.claimAlert(rule, status.windowKey, threshold, status.spentUsd, nowMs))
          continue;
        this.dispatcher.dispatch(alertFor(status, rule, threshold, nowMs));
      }
      if (rule.alertOnProjection === true) await this.evaluateProjection(rule, status, nowMs);
    }
  }

  /**
   * Forecasts the rule's window (at most every `projectionCheckMs`, a daily aggregate each time)
   * and alerts once per window when the projection passes the limit before the window ends.
   * Past the limit already, the 100 % threshold alert has said it.
   */
  private async evaluateProjection(
    rule: ResolvedBudgetRule,
    status: BudgetStatus,
    nowMs: number,
  ): Promise<void> {
    if (rule.limitUsd === undefined || status.spentUsd >= rule.limitUsd) return;
    if (
      nowMs - (this.projectedAt.get(rule.id) ?? Number.NEGATIVE_INFINITY) <
      this.projectionCheckMs
    )
      return;
    this.projectedAt.set(rule.id, nowMs);
    if (this.forecaster === undefined) {
      this.diagnostics.once(
        "budget-projection-no-store",
        "warn",
        "alertOnProjection needs the meter's ledger (a SQLite or PostgreSQL store) to forecast from",
      );
      return;
    }
    const { forecast } = await this.forecaster(rule, status, nowMs);
    const end = forecast?.windowEnd;
    if (forecast === undefined || end?.reachesLimitOn === undefined) return;
    if (forecast.observedDays < MIN_PROJECTION_DAYS) return;
    // Its own key in the alert table: one projection alert per window, across processes.
    if (
      !this.ledger.claimAlert(rule, `${status.windowKey}:projection`, 100, status.spentUsd, nowMs)
    )
      return;
    this.dispatcher.dispatch({
      schemaVersion: 1,
      type: "llmeter.budget.projection",
      budgetId: rule.id,
      scope: status.scope,
      rule: status.rule,
      windowKey: status.windowKey,
      windowStart: status.windowStart,
      windowEnd: status.windowEnd,
      limitUsd: rule.limitUsd,
      spentUsd: status.spentUsd,
      projectedUsd: end.projectedUsd,
      lowUsd: end.lowUsd,
      highUsd: end.highUsd,
      reachesLimitOn: end.reachesLimitOn,
      observedDays: forecast.observedDays,
      firedAt: new Date(nowMs).toISOString(),
    });
  }

  private maybeCleanup(nowMs: number): void {
    if (nowMs - this.lastCleanupMs < CLEANUP_EVERY_MS) return;
    this.lastCleanupMs = nowMs;
    try {
      this.ledger.cleanup(nowMs);
    } catch (error) {
      this.diagnostics.once(
        "budget-cleanup",
        "warn",
        "cleaning up expired budget reservations failed",
        error,
      );
    }
  }
}

/** The status of `rule` from its spend; `projectedUsd` extrapolates the burn rate to the window end. */
export function budgetStatus(
  rule: ResolvedBudgetRule,
  spend: BudgetSpend,
  nowMs: number,
): BudgetStatus {
  const percents: number[] = [];
  if (rule.limitUsd !== undefined) percents.push((spend.spentUsd / rule.limitUsd) * 100);
  if (rule.limitTokens !== undefined) percents.push((spend.spentTokens / rule.limitTokens) * 100);
  if (rule.limitRequests !== undefined) percents.push((spend.requests / rule.limitRequests) * 100);
  // Rounded to a millionth of a percent: sums of float costs (0.006 + 0.003) must not miss 90%.
  const usedPercent = Math.round(Math.max(0, ...percents) * 1e6) / 1e6;
  const status: BudgetStatus = {
    id: rule.id,
    scope: describeScope(rule.scope),
    rule: toBudgetRule(rule),
    windowKey: spend.windowKey,
    windowStart: new Date(spend.windowStartMs).toISOString(),
    windowEnd: new Date(spend.windowEndMs).toISOString(),
    spentUsd: spend.spentUsd,
    spentTokens: spend.spentTokens,
    requests: spend.requests,
    reservedUsd: spend.reservedUsd,
    usedPercent,
    state: stateFor(usedPercent, rule.thresholds),
    enforce: rule.enforce,
  };
  if (rule.limitUsd !== undefined) {
    status.limitUsd = rule.limitUsd;
    status.remainingUsd = Math.max(0, rule.limitUsd - spend.spentUsd - spend.reservedUsd);
  }
  if (rule.limitTokens !== undefined) status.limitTokens = rule.limitTokens;
  if (rule.limitRequests !== undefined) status.limitRequests = rule.limitRequests;
  const elapsed = nowMs - spend.windowStartMs;
  if ("calendar" in rule.window && elapsed > 0)
    status.projectedUsd = (spend.spentUsd / elapsed) * (spend.windowEndMs - spend.windowStartMs);
  return status;
}

function alertFor(
  status: BudgetStatus,
  rule: ResolvedBudgetRule,
  threshold: number,
  nowMs: number,
): BudgetAlert {
  const alert: BudgetAlert = {
    schemaVersion: 1,
    type: "llmeter.budget.alert",
    budgetId: rule.id,
    scope: status.scope,
    rule: status.rule,
    threshold,
    state: stateFor(threshold, rule.thresholds),
    windowKey: status.windowKey,
    windowStart: status.windowStart,
    windowEnd: status.windowEnd,
    spentUsd: status.spentUsd,
    usedPercent: status.usedPercent,
    firedAt: new Date(nowMs).toISOString(),
  };
  if (rule.limitUsd !== undefined) alert.limitUsd = rule.limitUsd;
  return alert;
}

function listOf<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function eventTokens(event: UsageEvent): number {
  return event.totalTokens ?? (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
}
