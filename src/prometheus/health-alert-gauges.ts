import type { Registry } from "prom-client";
import type { HealthAlertStatus } from "../alerts/health-alert-evaluator.ts";
import { registerScrapeGauges } from "./scrape-gauges.ts";

/** Where the health rules stand at scrape time, e.g. `() => meter.alerts?.status()`. */
export type HealthAlertStatusSource = () => readonly HealthAlertStatus[] | undefined;

/**
 * Gauges read from the meter's health alerts at each scrape: whether each rule fires, its
 * measured value, its bound and the calls in its window, labelled by alert id, metric and scope
 * (one series per rule).
 */
export function registerHealthAlertGauges(
  registry: Registry,
  prefix: string,
  source: HealthAlertStatusSource,
): void {
  registerScrapeGauges({
    registry,
    prefix,
    family: "health_alerts",
    source,
    labelNames: ["alert_id", "metric", "scope"],
    labelsOf: (status: HealthAlertStatus) => ({
      alert_id: status.alertId,
      metric: status.metric,
      scope: status.scope,
    }),
    gauges: [
      {
        name: "health_alert_firing",
        help: "1 while a health alert rule is breaching, else 0.",
        measure: (status) => (status.firing ? 1 : 0),
      },
      {
        name: "health_alert_value",
        help: "A health rule's measured value over its window (ms, share, USD/hour or multiple); absent until measured.",
        measure: (status) => status.value,
      },
      {
        name: "health_alert_threshold",
        help: "A health rule's bound (its `above`).",
        measure: (status) => status.above,
      },
      {
        name: "health_alert_window_calls",
        help: "Calls in a health rule's window at its last evaluation.",
        measure: (status) => status.calls,
      },
    ],
  });
}
