// `llmeter/prometheus`: usage metrics in the Prometheus text format, built on prom-client.

export {
  createGrafanaDashboard,
  type GrafanaDashboard,
  type GrafanaDashboardOptions,
  grafanaDashboardJson,
} from "../grafana/llmeter-dashboard.ts";
export type { BudgetStatusSource } from "./budget-gauges.ts";
export type { HealthAlertStatusSource } from "./health-alert-gauges.ts";
export { LabelLimiter, OVERFLOW_LABEL_VALUE } from "./label-limiter.ts";
export {
  createPrometheusExporter,
  type PrometheusExporter,
  type PrometheusExporterOptions,
} from "./prometheus-exporter.ts";
export {
  createPrometheusServer,
  type PrometheusServer,
  type PrometheusServerOptions,
} from "./prometheus-server.ts";
