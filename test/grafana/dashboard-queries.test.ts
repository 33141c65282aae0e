// Acceptance of the Grafana dashboard (issue 22.2): every query of the shipped dashboard, its
// variables substituted as Grafana would, evaluated by a real Prometheus scraping a meter with
// known traffic, returns the series and the values that traffic implies.
//
// The traffic is sent twice: once before Prometheus starts (so every series exists from the first
// scrape) and once after. Queries are evaluated at a scrape T after the second batch, over a range
// reaching 1 ms before the first scrape, so `increase` sees exactly one batch (Prometheus
// extrapolates by those 1 ms: a factor (R + 1 ms) / R, applied below) and `rate` exactly one batch
// over the R the samples span. Gauges (budgets, health alerts) show both batches.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DashboardPanel } from "../../src/grafana/dashboard-model.ts";
import type { GrafanaDashboard } from "../../src/grafana/llmeter-dashboard.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createPrometheusExporter } from "../../src/prometheus/prometheus-exporter.ts";
import {
  createPrometheusServer,
  type PrometheusServer,
} from "../../src/prometheus/prometheus-server.ts";
import {
  type PrometheusProcess,
  prometheusInstalled,
  startPrometheus,
  type VectorResult,
} from "../services/prometheus-process.ts";

const installed = prometheusInstalled();
const dashboard = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "grafana", "llmeter-dashboard.json"), "utf8"),
) as GrafanaDashboard;

/** One batch: three streamed gpt-4o calls of acme, one Claude call of globex, one failed call. */
function sendBatch(meter: Meter): void {
  for (let index = 0; index < 3; index++)
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      tenantId: "acme",
      inputTokens: 1000,
      cacheReadTokens: 400,
      outputTokens: 200,
      reasoningTokens: 20,
      costUsd: 0.01,
      latencyMs: 800,
      streaming: true,
      timeToFirstTokenMs: 300,
    });
  meter.record({
    provider: "anthropic",
    model: "claude-sonnet-4",
    tenantId: "globex",
    inputTokens: 2000,
    cacheWrite5mTokens: 1000,
    outputTokens: 500,
    costUsd: 0.05,
    latencyMs: 3000,
  });
  // Failed, so unpriced: it counts in the error rate and the unpriced calls, not in spend.
  meter.record({
    provider: "openai",
    model: "gpt-4o",
    tenantId: "globex",
    success: false,
    errorType: "RateLimitError",
    latencyMs: 100,
  });
}

interface Query {
  key: string;
  expr: string;
}

function queriesOf(panels: readonly DashboardPanel[]): Query[] {
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      key: `${panel.title} ${target.refId}`,
      expr: target.expr,
    })),
  );
}

/** The expression Grafana sends: built-in intervals and the label variables replaced. */
function substitute(expr: string, range: string, labels: Record<string, string> = {}): string {
  const query = expr
    .replaceAll("$__rate_interval", range)
    .replaceAll("$__range", range)
    .replace(/\$(provider|model|tenant)\b/g, (_match, name: string) => labels[name] ?? ".*");
  expect(query, `unsubstituted variable in ${query}`).not.toContain("$");
  return query;
}

/** Series as `labels → value`, labels written `name=value,...` in name order ("" for none). */
function byLabels(result: VectorResult[]): Record<string, number> {
  return Object.fromEntries(
    result.map((series) => [
      Object.entries(series.metric)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => `${name}=${value}`)
        .join(","),
      Number(series.value[1]),
    ]),
  );
}

describe.skipIf(!installed)("the Grafana dashboard's queries against a real Prometheus", () => {
  let meter: Meter;
  let endpoint: PrometheusServer;
  let prometheus: PrometheusProcess;
  /** Seconds the samples span (first scrape to T), the range given to the queries, and T. */
  let seconds: number;
  let range: string;
  let timeSeconds: number;

  beforeAll(async () => {
    const exporter = createPrometheusExporter({
      healthAlerts: () => meter.alerts?.status(),
      budgets: () => meter.budgets?.status(),
    });
    meter = createMeter({
      store: false,
      pricing: false,
      sinks: [exporter.sink],
      diagnostics: silentDiagnostics,
      budgets: {
        rules: [
          { id: "all-calls", window: { rolling: "30d" }, limitUsd: 1 },
          { id: "acme-daily", scope: { tenantId: "acme" }, window: "24h", limitUsd: 0.05 },
          { id: "globex-tokens", scope: { tenantId: "globex" }, window: "24h", limitTokens: 6000 },
        ],
      },
      alerts: {
        rules: [
          { id: "errors", metric: "errorRate", above: 0.1, window: "1h", minCalls: 1 },
          { id: "slow", metric: "latencyP95Ms", above: 10_000, window: "1h", minCalls: 1 },
        ],
      },
    });
    endpoint = await createPrometheusServer(exporter, { port: 0 });
    sendBatch(meter);
    await meter.flush();
    prometheus = await startPrometheus(endpoint.url);
    const requests = "sum(llmeter_requests_total)";
    await prometheus.waitFor(requests, (result) => Number(result[0]?.value[1]) === 5);
    sendBatch(meter);
    await meter.flush();
    const flushedMs = Date.now();
    // T: a scrape that began after the second batch was in.
    let samples: Array<[number, string]> = [];
    await prometheus.waitFor(requests, (result) => Number(result[0]?.value[1]) === 10);
    for (;;) {
      const [series] = await prometheus.samples('llmeter_requests_total{status="error"}[10m]');
      samples = series?.values ?? [];
      if (samples.some(([time]) => time * 1000 > flushedMs)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const firstMs = Math.round((samples[0] as [number, string])[0] * 1000);
    const lastMs = Math.round(
      (samples.find(([time]) => time * 1000 > flushedMs) as [number, string])[0] * 1000,
    );
    expect(Number(samples[0]?.[1])).toBe(1); // the first scrape saw one batch
    seconds = (lastMs - firstMs) / 1000;
    range = `${lastMs - firstMs + 1}ms`;
    timeSeconds = lastMs / 1000;
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await endpoint?.close();
    await meter?.shutdown();
  });

  /** Every panel query's expected series; a panel missing here fails the test. */
  function expectations(): Record<string, Record<string, number>> {
    const increase = (count: number) => (count * (seconds + 0.001)) / seconds;
    const perSecond = (count: number) => count / seconds;
    const slow = meter.alerts?.status().find((status) => status.alertId === "slow");
    const gpt = "model=gpt-4o,provider=openai";
    const claude = "model=claude-sonnet-4,provider=anthropic";
    return {
      "Spend in range A": { "": increase(0.08) },
      "Unpriced calls in range A": { "": increase(1) },
      "Spend in range by tenant A": {
        "tenant=acme": increase(0.03),
        "tenant=globex": increase(0.05),
      },
      "Spend rate by provider and model A": {
        [gpt]: perSecond(0.03) * 3600,
        [claude]: perSecond(0.05) * 3600,
      },
      "Spend in range by provider and model A": { [gpt]: increase(0.03), [claude]: increase(0.05) },
      "Requests per second by outcome A": {
        "status=success": perSecond(4),
        "status=error": perSecond(1),
      },
      "Tokens per second by kind A": {
        "type=input": perSecond(5000),
        "type=output": perSecond(1100),
        "type=cache_read": perSecond(1200),
        "type=cache_write": perSecond(1000),
        "type=reasoning": perSecond(60),
      },
      "Tokens in range by kind A": {
        "type=input": increase(5000),
        "type=output": increase(1100),
        "type=cache_read": increase(1200),
        "type=cache_write": increase(1000),
        "type=reasoning": increase(60),
      },
      // Latencies 0.1, 0.8 ×3 and 3 s: Prometheus interpolates within the bucket holding the rank
      // (buckets ... 0.64, 1.28, 2.56, 5.12 ...), e.g. p50 = 0.64 + 0.64 × (2.5 − 1) / 3.
      "Latency percentiles A": { "": 0.96 },
      "Latency percentiles B": { "": 2.56 + 2.56 * 0.75 },
      "Latency percentiles C": { "": 2.56 + 2.56 * 0.95 },
      "Latency p95 by provider and model A": {
        [gpt]: 0.64 + (0.64 * 2.8) / 3,
        [claude]: 2.56 + 2.56 * 0.95,
      },
      // Three first tokens at 0.3 s, in the (0.16, 0.32] bucket.
      "Time to first token percentiles A": { "": 0.16 + 0.16 * 0.5 },
      "Time to first token percentiles B": { "": 0.16 + 0.16 * 0.95 },
      "Time to first token percentiles C": { "": 0.16 + 0.16 * 0.99 },
      "Error rate A": { "": 0.2 },
      "Errors per second by type A": { "error_type=RateLimitError,provider=openai": perSecond(1) },
      "Prompt cache hit share A": { [gpt]: 0.4, [claude]: 0 },
      "Budget state A": {
        "budget_id=all-calls": 0,
        "budget_id=globex-tokens": 1, // 5,000 of 6,000 tokens: past 75 %
        "budget_id=acme-daily": 3, // $0.06 of $0.05
      },
      "Budget used A": {
        "budget_id=all-calls": 0.16,
        "budget_id=globex-tokens": 5000 / 6000,
        "budget_id=acme-daily": 1.2,
      },
      "Budget spend, reservations and limits A": {
        "budget_id=all-calls": 0.16,
        "budget_id=globex-tokens": 0.1,
        "budget_id=acme-daily": 0.06,
      },
      "Budget spend, reservations and limits B": {
        "budget_id=all-calls": 0,
        "budget_id=globex-tokens": 0,
        "budget_id=acme-daily": 0,
      },
      // Only budgets with a USD limit have one.
      "Budget spend, reservations and limits C": {
        "budget_id=all-calls": 1,
        "budget_id=acme-daily": 0.05,
      },
      "Health alerts firing A": { "alert_id=errors": 1, "alert_id=slow": 0 },
      "Health alert values and bounds A": {
        "alert_id=errors": 0.2,
        "alert_id=slow": slow?.value ?? Number.NaN,
      },
      "Health alert values and bounds B": { "alert_id=errors": 0.1, "alert_id=slow": 10_000 },
    };
  }

  it("every panel query returns the series and values the traffic implies", async () => {
    const expected = expectations();
    const queries = queriesOf(dashboard.panels);
    expect(queries.map((query) => query.key).sort()).toEqual(Object.keys(expected).sort());
    for (const query of queries) {
      const result = byLabels(await prometheus.query(substitute(query.expr, range), timeSeconds));
      const wanted = expected[query.key] ?? {};
      expect(Object.keys(result).sort(), query.key).toEqual(Object.keys(wanted).sort());
      for (const [labels, value] of Object.entries(wanted))
        expect(result[labels], `${query.key} {${labels}}`).toBeCloseTo(value, 6);
    }
  });

  it("a chosen tenant narrows the traffic panels to its calls", async () => {
    const panel = (title: string) =>
      queriesOf(dashboard.panels).find((query) => query.key === `${title} A`)?.expr ?? "";
    const acme = { tenant: "acme" };
    const spend = await prometheus.query(
      substitute(panel("Spend in range"), range, acme),
      timeSeconds,
    );
    expect(Number(spend[0]?.value[1])).toBeCloseTo((0.03 * (seconds + 0.001)) / seconds, 6);
    const requests = byLabels(
      await prometheus.query(
        substitute(panel("Requests per second by outcome"), range, acme),
        timeSeconds,
      ),
    );
    expect(Object.keys(requests)).toEqual(["status=success"]); // acme's calls never failed
    expect(requests["status=success"]).toBeCloseTo(3 / seconds, 9);
  });

  it("the variables' queries list the providers, models and tenants seen", async () => {
    const values: Record<string, string[]> = {};
    for (const variable of dashboard.templating.list) {
      if (variable.type !== "query") continue;
      const definition = String(variable.definition);
      const match = /^label_values\((\w+), (\w+)\)$/.exec(definition);
      expect(match, definition).not.toBeNull();
      const [, metric, label] = match as RegExpExecArray;
      values[String(variable.name)] = await prometheus.labelValues(
        label as string,
        metric as string,
      );
    }
    expect(values).toEqual({
      provider: ["anthropic", "openai"],
      model: ["claude-sonnet-4", "gpt-4o"],
      tenant: ["acme", "globex"],
    });
  });
});
