import { Gauge, type Registry } from "prom-client";
import type { HealthAlertStatus } from "../alerts/health-alert-evaluator.ts";

/** Where the health rules stand at scrape time, e.g. `() => meter.alerts?.status()`. */
export type HealthAlertStatusSource = () => readonly HealthAlertStatus[] | undefined;

/**
 * Gauges read from the meter's health alerts at each scrape (nothing is counted between
 * scrapes, so they cannot drift): whether each rule fires, its measured value, its bound and
 * the calls in its window, labelled by alert id, metric and scope (one series per rule).
 */
export function registerHealthAlertGauges(
  registry: Registry,
  prefix: string,
  source: HealthAlertStatusSource,
): void {
  const labelNames = ["alert_id", "metric", "scope"] as const;
  const labelsOf = (status: HealthAlertStatus) => ({
    alert_id: status.alertId,
    metric: status.metric,
    scope: status.scope,
  });
  const gauge = (
    name: string,
    help: string,
    measure: (status: HealthAlertStatus) => number | undefined,
  ) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const status of source() ?? []) {
          const value = measure(status);
          if (value !== undefined) this.set(labelsOf(status), value);
        }
      },
    });
  gauge("health_alert_firing", "1 while a health alert rule is breaching, else 0.", (status) =>
    status.firing ? 1 : 0,
  );
  gauge(
    "health_alert_value",
    "A health rule's measured value over its window (ms, share, USD/hour or multiple); absent until measured.",
    (status) => status.value,
  );
  gauge("health_alert_threshold", "A health rule's bound (its `above`).", (status) => status.above);
  gauge(
    "health_alert_window_calls",
    "Calls in a health rule's window at its last evaluation.",
    (status) => status.calls,
  );
}
