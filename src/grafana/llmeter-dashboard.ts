import type { BudgetState } from "../budgets/budget-alerts.ts";
import { BUDGET_STATES } from "../budgets/budget-state-codes.ts";
import {
  DATASOURCE_VARIABLE,
  type DashboardPanel,
  layoutPanels,
  PROMETHEUS_DATASOURCE,
  type RowSpec,
} from "./dashboard-model.ts";

/** Options of `createGrafanaDashboard`. */
export interface GrafanaDashboardOptions {
  /** The metric prefix the exporter was created with (`createPrometheusExporter({ prefix })`). Default `llmeter_`. */
  prefix?: string;
}

/** A Grafana dashboard in the classic JSON model, ready to import. */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating: { list: Array<Record<string, unknown>> };
  [field: string]: unknown;
}

/**
 * An older schema version than current Grafana's on purpose: Grafana migrates older dashboards
 * on load, while one newer than the user's Grafana would not be understood.
 */
const SCHEMA_VERSION = 39;
const BUDGET_STATE_COLORS: Readonly<Record<BudgetState, string>> = {
  ok: "green",
  warning: "yellow",
  critical: "orange",
  exceeded: "red",
};
const FILTERED_LABELS = ["provider", "model", "tenant"] as const;

/**
 * The llmeter dashboard for the Prometheus metrics of `llmeter/prometheus`: spend, tokens,
 * latency and time to first token, errors, cache hits, budgets and health alerts. Its data
 * source is the `DS_PROMETHEUS` variable, so it imports into any Grafana (docs/grafana.md).
 *
 * @example
 * writeFileSync("llmeter.json", grafanaDashboardJson({ prefix: "myapp_llm_" }));
 */
export function createGrafanaDashboard(options: GrafanaDashboardOptions = {}): GrafanaDashboard {
  const prefix = options.prefix ?? "llmeter_";
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new Error(
      `Grafana dashboard: prefix "${prefix}" is not a Prometheus metric name prefix; use letters, digits, _ and : (not starting with a digit), e.g. "llmeter_".`,
    );
  return {
    id: null,
    uid: "llmeter",
    title: "llmeter: LLM cost, tokens and latency",
    description:
      "Spend, tokens, latency, errors, cache hits, budgets and health alerts from llmeter's Prometheus exporter.",
    tags: ["llmeter", "llm", "cost"],
    editable: true,
    graphTooltip: 1,
    timezone: "browser",
    time: { from: "now-24h", to: "now" },
    refresh: "1m",
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    links: [],
    annotations: { list: [] },
    templating: {
      list: [datasourceVariable(), ...FILTERED_LABELS.map((label) => labelVariable(prefix, label))],
    },
    panels: layoutPanels(dashboardRows(prefix)),
  };
}

function datasourceVariable(): Record<string, unknown> {
  return {
    name: DATASOURCE_VARIABLE,
    label: "Data source",
    type: "datasource",
    query: "prometheus",
    current: {},
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: "",
  };
}

function labelVariable(prefix: string, label: string): Record<string, unknown> {
  const query = `label_values(${prefix}requests_total, ${label})`;
  return {
    name: label,
    label,
    type: "query",
    datasource: PROMETHEUS_DATASOURCE,
    definition: query,
    query: { query, refId: `${label}-values` },
    current: { selected: true, text: ["All"], value: ["$__all"] },
    hide: 0,
    includeAll: true,
    // Matches series without the label too (the exporter's `tenantLabel: false`, calls without a tenant).
    allValue: ".*",
    multi: true,
    options: [],
    refresh: 2,
    regex: "",
    sort: 1,
  };
}

/** Every panel's rows and queries; each query is checked against a real Prometheus in test/grafana/. */
function dashboardRows(prefix: string): RowSpec[] {
  const m = (name: string) => `${prefix}${name}`;
  const filter = FILTERED_LABELS.map((label) => `${label}=~"$${label}"`).join(", ");
  const select = (name: string, extra = "") =>
    `${m(name)}{${filter}${extra === "" ? "" : `, ${extra}`}}`;
  const rate = (name: string, extra = "") => `rate(${select(name, extra)}[$__rate_interval])`;
  const increase = (name: string, extra = "") => `increase(${select(name, extra)}[$__range])`;
  const quantile = (q: number, histogram: string, by = "") =>
    `histogram_quantile(${q}, sum by (le${by}) (${rate(`${histogram}_bucket`)}))`;
  const percentiles = (histogram: string) =>
    [0.5, 0.95, 0.99].map((q) => [quantile(q, histogram), `p${q * 100}`] as const);
  // Budget and health series come from a ledger several instances may share: `max` shows the
  // one value they all export instead of a sum of copies.
  const perBudget = (name: string) => `max by (budget_id) (${m(name)})`;
  const perAlert = (name: string) => `max by (alert_id) (${m(name)})`;
  const byModel = "provider, model";
  const cacheRead = `sum by (${byModel}) (${rate("tokens_total", 'type="cache_read"')})`;
  const input = `sum by (${byModel}) (${rate("tokens_total", 'type="input"')})`;
  return [
    {
      title: "Spend",
      panels: [
        {
          type: "stat",
          title: "Spend in range",
          description: "Cost of priced calls over the dashboard's time range, in US dollars.",
          width: 6,
          unit: "currencyUSD",
          queries: [[`sum(${increase("cost_usd_total")})`, "spend"]],
        },
        {
          type: "stat",
          title: "Unpriced calls in range",
          description:
            "Calls llmeter found no price for: their cost is missing from the spend panels. Add a price (docs/pricing.md).",
          width: 6,
          unit: "short",
          thresholds: [
            [null, "green"],
            [1, "orange"],
          ],
          queries: [[`sum(${increase("unpriced_requests_total")})`, "unpriced"]],
        },
        {
          type: "bargauge",
          title: "Spend in range by tenant",
          description: "Cost over the time range per tenant (empty: calls without a tenant).",
          width: 12,
          unit: "currencyUSD",
          queries: [[`sum by (tenant) (${increase("cost_usd_total")})`, "{{tenant}}"]],
        },
        {
          type: "timeseries",
          title: "Spend rate by provider and model",
          description: "US dollars per hour at the current rate of spend.",
          width: 12,
          unit: "currencyUSD",
          queries: [
            [`sum by (${byModel}) (${rate("cost_usd_total")}) * 3600`, "{{provider}} {{model}}"],
          ],
        },
        {
          type: "bargauge",
          title: "Spend in range by provider and model",
          description: "Cost over the time range per provider and model.",
          width: 12,
          unit: "currencyUSD",
          queries: [
            [`sum by (${byModel}) (${increase("cost_usd_total")})`, "{{provider}} {{model}}"],
          ],
        },
      ],
    },
    {
      title: "Traffic and tokens",
      panels: [
        {
          type: "timeseries",
          title: "Requests per second by outcome",
          description: "Calls per second, successful and failed.",
          width: 8,
          unit: "reqps",
          queries: [[`sum by (status) (${rate("requests_total")})`, "{{status}}"]],
        },
        {
          type: "timeseries",
          title: "Tokens per second by kind",
          description:
            "input is the whole prompt (cache reads and writes included), output includes reasoning; cache_read, cache_write and reasoning are parts of them.",
          width: 8,
          unit: "short",
          queries: [[`sum by (type) (${rate("tokens_total")})`, "{{type}}"]],
        },
        {
          type: "bargauge",
          title: "Tokens in range by kind",
          description: "Tokens over the time range by kind.",
          width: 8,
          unit: "short",
          queries: [[`sum by (type) (${increase("tokens_total")})`, "{{type}}"]],
        },
      ],
    },
    {
      title: "Latency",
      panels: [
        {
          type: "timeseries",
          title: "Latency percentiles",
          description: "Call latency from the request_duration_seconds histogram, all calls.",
          width: 8,
          unit: "s",
          queries: percentiles("request_duration_seconds"),
        },
        {
          type: "timeseries",
          title: "Latency p95 by provider and model",
          description: "95th percentile of call latency per provider and model.",
          width: 8,
          unit: "s",
          queries: [
            [quantile(0.95, "request_duration_seconds", `, ${byModel}`), "{{provider}} {{model}}"],
          ],
        },
        {
          type: "timeseries",
          title: "Time to first token percentiles",
          description: "Time to the first streamed chunk (streamed calls only).",
          width: 8,
          unit: "s",
          queries: percentiles("time_to_first_token_seconds"),
        },
      ],
    },
    {
      title: "Errors and cache",
      panels: [
        {
          type: "timeseries",
          title: "Error rate",
          description: "Share of calls that failed.",
          width: 8,
          unit: "percentunit",
          min: 0,
          queries: [
            [
              `sum(${rate("requests_total", 'status="error"')}) / sum(${rate("requests_total")})`,
              "error rate",
            ],
          ],
        },
        {
          type: "timeseries",
          title: "Errors per second by type",
          description: "Failed calls per second by provider and error type.",
          width: 8,
          unit: "reqps",
          queries: [
            [
              `sum by (provider, error_type) (${rate("errors_total")})`,
              "{{provider}} {{error_type}}",
            ],
          ],
        },
        {
          type: "timeseries",
          title: "Prompt cache hit share",
          description:
            "Share of input tokens read from the provider's prompt cache, per provider and model (0 where nothing was read from it).",
          width: 8,
          unit: "percentunit",
          min: 0,
          queries: [[`(${cacheRead} or ${input} * 0) / ${input}`, "{{provider}} {{model}}"]],
        },
      ],
    },
    {
      title: "Budgets",
      panels: [
        {
          type: "state-timeline",
          title: "Budget state",
          description: `Each budget's state by its thresholds (${m("budget_state")}: 0 ok, 1 warning, 2 critical, 3 exceeded).`,
          width: 12,
          unit: "none",
          mappings: [
            {
              type: "value",
              options: Object.fromEntries(
                BUDGET_STATES.map((state, code) => [
                  String(code),
                  { text: state, color: BUDGET_STATE_COLORS[state], index: code },
                ]),
              ),
            },
          ],
          thresholds: [[null, "green"]],
          queries: [[perBudget("budget_state"), "{{budget_id}}"]],
        },
        {
          type: "bargauge",
          title: "Budget used",
          description:
            "Share of each budget's limit used in its current window (the largest over its USD, token and request limits).",
          width: 12,
          unit: "percentunit",
          min: 0,
          thresholds: [
            [null, "green"],
            [0.75, "yellow"],
            [0.9, "orange"],
            [1, "red"],
          ],
          queries: [[perBudget("budget_used_ratio"), "{{budget_id}}"]],
        },
        {
          type: "timeseries",
          title: "Budget spend, reservations and limits",
          description:
            "Spend in each budget's current window, estimates reserved by calls in flight, and the USD limit.",
          width: 24,
          unit: "currencyUSD",
          queries: [
            [perBudget("budget_spent_usd"), "{{budget_id}} spent"],
            [perBudget("budget_reserved_usd"), "{{budget_id}} reserved"],
            [perBudget("budget_limit_usd"), "{{budget_id}} limit"],
          ],
        },
      ],
    },
    {
      title: "Health alerts",
      panels: [
        {
          type: "state-timeline",
          title: "Health alerts firing",
          description: "Each health alert rule: firing or ok (docs/alerts.md).",
          width: 12,
          unit: "none",
          mappings: [
            {
              type: "value",
              options: {
                "0": { text: "ok", color: "green", index: 0 },
                "1": { text: "firing", color: "red", index: 1 },
              },
            },
          ],
          thresholds: [[null, "green"]],
          queries: [[perAlert("health_alert_firing"), "{{alert_id}}"]],
        },
        {
          type: "timeseries",
          title: "Health alert values and bounds",
          description:
            "Each rule's measured value over its window and its bound, in the rule's own unit (ms, share, USD/hour or multiple).",
          width: 12,
          unit: "short",
          queries: [
            [perAlert("health_alert_value"), "{{alert_id}} value"],
            [perAlert("health_alert_threshold"), "{{alert_id}} bound"],
          ],
        },
      ],
    },
  ];
}

/** The dashboard as the file Grafana imports: two-space JSON with a final newline. */
export function grafanaDashboardJson(options: GrafanaDashboardOptions = {}): string {
  return `${JSON.stringify(createGrafanaDashboard(options), null, 2)}\n`;
}
