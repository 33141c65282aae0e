import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Histogram, Registry } from "prom-client";
import type { UsageSink } from "../meter/types.ts";
import { DURATION_BUCKETS } from "../otel/semconv.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { type BudgetStatusSource, registerBudgetGauges } from "./budget-gauges.ts";
import { type HealthAlertStatusSource, registerHealthAlertGauges } from "./health-alert-gauges.ts";
import { LabelLimiter } from "./label-limiter.ts";

/** Options of `createPrometheusExporter`. */
export interface PrometheusExporterOptions {
  /** Registry to add our metrics to (your app's). Default: a new one of our own. */
  registry?: Registry;
  /** Metric name prefix. Default `llmeter_`. */
  prefix?: string;
  /** Label every series with the tenant. Default true. */
  tenantLabel?: boolean;
  /** Most distinct values per label before new ones become `__other__`. */
  maxLabelValues?: { tenant?: number; model?: number; provider?: number; errorType?: number };
  /**
   * Health alert state as gauges (`health_alert_firing`, `_value`, `_threshold`,
   * `_window_calls`), read at each scrape: `() => meter.alerts?.status()`.
   */
  healthAlerts?: HealthAlertStatusSource;
  /**
   * Budget standing as gauges (`budget_spent_usd`, `_reserved_usd`, `_limit_usd`, `_used_ratio`,
   * `_state`, ...), read at each scrape: `() => meter.budgets?.status()`.
   */
  budgets?: BudgetStatusSource;
}

/** Prometheus metrics fed by a meter's events. */
export interface PrometheusExporter {
  /** Pass it to `createMeter({ sinks: [exporter.sink] })`. */
  readonly sink: UsageSink;
  /** The registry holding the metrics. */
  readonly registry: Registry;
  /** The metrics in the Prometheus text format. */
  metrics(): Promise<string>;
  /** A `node:http` handler (also fits Express) that answers with the text format. */
  handler(request: IncomingMessage, response: ServerResponse): void;
  /** Adds one finished event (what the sink does). */
  observe(event: UsageEvent): void;
}

const DEFAULT_LIMITS = { tenant: 100, model: 200, provider: 50, errorType: 50 };

/**
 * Creates Prometheus counters and histograms (requests, tokens by type, cost, latency, time to
 * first token, errors) labelled by provider, model, status and tenant, each label bounded.
 *
 * @example
 * const prometheus = createPrometheusExporter();
 * const meter = createMeter({ sinks: [prometheus.sink] });
 * app.get("/metrics", prometheus.handler);
 */
export function createPrometheusExporter(
  options: PrometheusExporterOptions = {},
): PrometheusExporter {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? "llmeter_";
  const withTenant = options.tenantLabel ?? true;
  const limits = { ...DEFAULT_LIMITS, ...options.maxLabelValues };
  const tenants = new LabelLimiter(limits.tenant);
  const models = new LabelLimiter(limits.model);
  const providers = new LabelLimiter(limits.provider);
  const errorTypes = new LabelLimiter(limits.errorType);

  const base = withTenant
    ? (["provider", "model", "tenant"] as const)
    : (["provider", "model"] as const);
  const registers = [registry];
  const requests = new Counter({
    name: `${prefix}requests_total`,
    help: "LLM, embedding and OCR calls, by outcome.",
    labelNames: [...base, "status"],
    registers,
  });
  const tokens = new Counter({
    name: `${prefix}tokens_total`,
    help: "Tokens by type: input (all of the prompt), output (reasoning included), and the cache_read, cache_write and reasoning parts of them.",
    labelNames: [...base, "type"],
    registers,
  });
  const cost = new Counter({
    name: `${prefix}cost_usd_total`,
    help: "Cost of priced calls in US dollars.",
    labelNames: [...base],
    registers,
  });
  const unpriced = new Counter({
    name: `${prefix}unpriced_requests_total`,
    help: "Calls no price was found for (their cost is missing from the cost counter).",
    labelNames: [...base],
    registers,
  });
  const duration = new Histogram({
    name: `${prefix}request_duration_seconds`,
    help: "Call latency in seconds.",
    labelNames: [...base, "status"],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const timeToFirstToken = new Histogram({
    name: `${prefix}time_to_first_token_seconds`,
    help: "Time to the first streamed chunk, in seconds (streamed calls only).",
    labelNames: [...base],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const errors = new Counter({
    name: `${prefix}errors_total`,
    help: "Failed calls by error type.",
    labelNames: [...base, "error_type"],
    registers,
  });

  if (options.healthAlerts !== undefined)
    registerHealthAlertGauges(registry, prefix, options.healthAlerts);
  if (options.budgets !== undefined) registerBudgetGauges(registry, prefix, options.budgets);

  function observe(event: UsageEvent): void {
    const labels: Record<string, string> = {
      provider: providers.value(event.provider),
      model: models.value(event.model),
    };
    if (withTenant) labels.tenant = tenants.value(event.tenantId);
    const status = event.success ? "success" : "error";
    requests.inc({ ...labels, status });
    addTokens(tokens, labels, "input", event.inputTokens);
    addTokens(tokens, labels, "output", event.outputTokens);
    addTokens(tokens, labels, "cache_read", event.cacheReadTokens);
    addTokens(tokens, labels, "cache_write", cacheWrites(event));
    addTokens(tokens, labels, "reasoning", event.reasoningTokens);
    if (event.costUsd !== undefined) {
      if (event.costUsd > 0) cost.inc(labels, event.costUsd);
    } else {
      unpriced.inc(labels);
    }
    if (event.latencyMs !== undefined)
      duration.observe({ ...labels, status }, event.latencyMs / 1000);
    if (event.streaming === true && event.timeToFirstTokenMs !== undefined)
      timeToFirstToken.observe(labels, event.timeToFirstTokenMs / 1000);
    if (!event.success)
      errors.inc({ ...labels, error_type: errorTypes.value(event.errorType, "unknown") });
  }

  return {
    registry,
    sink: {
      name: "prometheus",
      // Counting cannot fail half-way in a way a retry would fix; never count twice.
      maxAttempts: 1,
      write(events) {
        for (const event of events) observe(event);
      },
    },
    metrics: () => registry.metrics(),
    observe,
    handler(_request, response) {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(`llmeter: collecting metrics failed: ${String(error)}\n`);
        },
      );
    },
  };
}

function addTokens(
  counter: Counter,
  labels: Record<string, string>,
  type: string,
  count: number | undefined,
): void {
  if (count !== undefined && count > 0) counter.inc({ ...labels, type }, count);
}

function cacheWrites(event: UsageEvent): number | undefined {
  if (
    event.cacheWriteTokens === undefined &&
    event.cacheWrite5mTokens === undefined &&
    event.cacheWrite1hTokens === undefined
  )
    return undefined;
  return (
    (event.cacheWriteTokens ?? 0) +
    (event.cacheWrite5mTokens ?? 0) +
    (event.cacheWrite1hTokens ?? 0)
  );
}
