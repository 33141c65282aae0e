import { AlertDispatcher, type BudgetWebhook } from "../budgets/budget-alerts.ts";
import type { Diagnostics } from "../meter/diagnostics.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import {
  type HealthAlert,
  HealthAlertEvaluator,
  type HealthAlertStatus,
} from "./health-alert-evaluator.ts";
import {
  type HealthAlertRule,
  type ResolvedHealthAlertRule,
  resolveHealthAlertRule,
} from "./health-alert-rule.ts";

/** Receives health alerts; may be async. A callback that throws is reported, never re-thrown. */
export type HealthAlertCallback = (alert: HealthAlert) => unknown;

/** `createMeter({ alerts })`: health rules and where their alerts go. See docs/alerts.md. */
export interface MeterHealthAlerts {
  rules?: readonly HealthAlertRule[];
  onAlert?: HealthAlertCallback | readonly HealthAlertCallback[];
  /** POSTed the alert as JSON, with the budget webhook's retries. */
  webhook?: string | BudgetWebhook;
}

/** `meter.alerts`: where each health rule stands. */
export interface MeterHealthAlertsView {
  /** Each rule as of its last evaluation (the last call in its scope). */
  status(): HealthAlertStatus[];
  /**
   * Evaluates every rule now, so a breach ends when its window empties even without new calls,
   * and waits for the alerts this sends to be delivered.
   */
  check(): Promise<HealthAlertStatus[]>;
}

/** The meter's health alerts: evaluation as events are recorded, delivery off the call path. */
export interface HealthAlertsRuntime extends MeterHealthAlertsView {
  observe(event: UsageEvent): void;
  idle(): Promise<void>;
}

/**
 * Builds the runtime from the `alerts` option and the `alerts` setting's rules (option rules win
 * by id). Undefined when there are no rules, so a meter without alerts pays nothing per event.
 */
export function createHealthAlerts(options: {
  alerts: MeterHealthAlerts | undefined;
  settingRules: readonly unknown[] | undefined;
  /** Rules saved in the ledger with `llmeter alert set`, read when the meter starts. */
  ledgerRules?: readonly HealthAlertRule[];
  diagnostics: Diagnostics;
  now: () => number;
}): HealthAlertsRuntime | undefined {
  const own = (options.alerts?.rules ?? []).map((rule) =>
    resolveHealthAlertRule(rule, "createMeter({ alerts })"),
  );
  const ids = new Set(own.map((rule) => rule.id));
  const fromSetting = (options.settingRules ?? [])
    .map((rule) => resolveHealthAlertRule(rule as HealthAlertRule, "the alerts setting"))
    .filter((rule) => !ids.has(rule.id));
  for (const rule of fromSetting) ids.add(rule.id);
  // A bad rule saved in the ledger (edited by hand, or by a newer llmeter) is reported and
  // skipped: the CLI that saved it is not the code being started, so it must not stop the start.
  const fromLedger: ResolvedHealthAlertRule[] = [];
  for (const rule of options.ledgerRules ?? []) {
    try {
      const resolved = resolveHealthAlertRule(rule, "the ledger's alert rules");
      if (!ids.has(resolved.id)) fromLedger.push(resolved);
    } catch (error) {
      options.diagnostics.once(
        `alert-rule-ledger:${String(rule?.id)}`,
        "warn",
        `${(error as Error).message}; the rule is skipped (fix it with llmeter alert set or remove)`,
      );
    }
  }
  const rules = [...own, ...fromSetting, ...fromLedger];
  if (rules.length === 0) return undefined;
  const onAlert = options.alerts?.onAlert;
  const webhook = options.alerts?.webhook;
  const dispatcher = new AlertDispatcher<HealthAlert>({
    callbacks: onAlert === undefined ? [] : Array.isArray(onAlert) ? onAlert : [onAlert],
    webhook:
      typeof webhook === "string" ? { url: webhook } : (webhook as BudgetWebhook | undefined),
    diagnostics: options.diagnostics,
    describe: (alert) => ({
      level: "warn",
      message: `health alert "${alert.alertId}" (${alert.scope}) ${alert.status}: ${alert.metric} ${formatValue(alert)} ${alert.status === "firing" ? ">" : "<="} ${alert.above} over ${alert.window} (${alert.calls} calls)`,
      label: `health alert "${alert.alertId}" ${alert.status}`,
    }),
  });
  const evaluator = new HealthAlertEvaluator(rules, (alert) => dispatcher.dispatch(alert));
  return {
    observe: (event) => evaluator.observe(event),
    status: () => evaluator.status(),
    check: async () => {
      evaluator.advance(options.now());
      await dispatcher.idle();
      return evaluator.status();
    },
    idle: () => dispatcher.idle(),
  };
}

function formatValue(alert: HealthAlert): string {
  return Number.isInteger(alert.value) ? String(alert.value) : alert.value.toFixed(4);
}
