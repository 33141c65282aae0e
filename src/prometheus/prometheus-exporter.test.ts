import { describe, expect, it } from "vitest";
import { createMeter } from "../meter/create-meter.ts";
import { silentDiagnostics } from "../meter/diagnostics.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { createPrometheusExporter } from "./prometheus-exporter.ts";

function event(fields: Partial<UsageEvent>): UsageEvent {
  return {
    id: "e",
    timestamp: "2026-11-20T10:00:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    success: true,
    ...fields,
  };
}

/** The value of one sample line of the text format, found by name and labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf("}"));
    const parsed = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => parsed[key] === value))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("createPrometheusExporter", () => {
  it("counts requests, tokens by type, cost, errors and latency from a meter's events", async () => {
    const prometheus = createPrometheusExporter();
    const meter = createMeter({
      sinks: [prometheus.sink],
      pricing: false,
      diagnostics: silentDiagnostics,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      tenantId: "acme",
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 600,
      reasoningTokens: 50,
      costUsd: 0.0125,
      latencyMs: 1500,
      streaming: true,
      timeToFirstTokenMs: 250,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      tenantId: "acme",
      inputTokens: 10,
      latencyMs: 100,
    });
    meter.record({
      provider: "anthropic",
      model: "claude",
      tenantId: "globex",
      success: false,
      errorType: "RateLimitError",
      latencyMs: 30,
    });
    await meter.flush();
    const text = await prometheus.metrics();
    const acme = { provider: "openai", model: "gpt-4o", tenant: "acme" };
    expect(sample(text, "llmeter_requests_total", { ...acme, status: "success" })).toBe(2);
    expect(sample(text, "llmeter_tokens_total", { ...acme, type: "input" })).toBe(1010);
    expect(sample(text, "llmeter_tokens_total", { ...acme, type: "output" })).toBe(200);
    expect(sample(text, "llmeter_tokens_total", { ...acme, type: "cache_read" })).toBe(600);
    expect(sample(text, "llmeter_tokens_total", { ...acme, type: "reasoning" })).toBe(50);
    expect(sample(text, "llmeter_cost_usd_total", acme)).toBe(0.0125);
    expect(sample(text, "llmeter_unpriced_requests_total", acme)).toBe(1);
    expect(
      sample(text, "llmeter_request_duration_seconds_sum", { ...acme, status: "success" }),
    ).toBeCloseTo(1.6, 9);
    expect(
      sample(text, "llmeter_request_duration_seconds_bucket", {
        ...acme,
        status: "success",
        le: "0.16",
      }),
    ).toBe(1);
    expect(sample(text, "llmeter_time_to_first_token_seconds_count", acme)).toBe(1);
    expect(
      sample(text, "llmeter_errors_total", {
        provider: "anthropic",
        tenant: "globex",
        error_type: "RateLimitError",
      }),
    ).toBe(1);
    expect(sample(text, "llmeter_requests_total", { tenant: "globex", status: "error" })).toBe(1);
  });

  it("bounds label cardinality: values past the limit become __other__", async () => {
    const prometheus = createPrometheusExporter({ maxLabelValues: { tenant: 2 } });
    for (const tenant of ["a", "b", "c", "d", "a"]) prometheus.observe(event({ tenantId: tenant }));
    const text = await prometheus.metrics();
    const series = text.split("\n").filter((line) => line.startsWith("llmeter_requests_total{"));
    expect(series).toHaveLength(3);
    expect(sample(text, "llmeter_requests_total", { tenant: "a" })).toBe(2);
    expect(sample(text, "llmeter_requests_total", { tenant: "__other__" })).toBe(2);
  });

  it("can leave the tenant label out and use another prefix", async () => {
    const prometheus = createPrometheusExporter({ tenantLabel: false, prefix: "app_llm_" });
    prometheus.observe(event({ tenantId: "acme" }));
    const text = await prometheus.metrics();
    expect(text).toContain(
      'app_llm_requests_total{provider="openai",model="gpt-4o",status="success"} 1',
    );
    expect(text).not.toContain("tenant=");
  });
});

describe("health alert gauges", () => {
  it("show each rule's state, value, bound and calls at scrape time", async () => {
    let meter: ReturnType<typeof createMeter> | undefined;
    const prometheus = createPrometheusExporter({ healthAlerts: () => meter?.alerts?.status() });
    let nowMs = Date.parse("2026-11-20T10:00:00.000Z");
    meter = createMeter({
      sinks: [prometheus.sink],
      store: false,
      pricing: false,
      now: () => nowMs,
      diagnostics: silentDiagnostics,
      alerts: {
        rules: [
          { id: "slow", metric: "latencyP95Ms", above: 1000, minCalls: 3 },
          {
            id: "errors",
            metric: "errorRate",
            above: 0.5,
            minCalls: 3,
            scope: { provider: "openai" },
          },
        ],
      },
    });
    try {
      for (let index = 0; index < 3; index++) {
        meter.recordLlm({ provider: "openai", model: "gpt-4o", latencyMs: 4000, timestamp: nowMs });
        nowMs += 1000;
      }
      await meter.flush();
      const text = await prometheus.metrics();
      const slow = { alert_id: "slow", metric: "latencyP95Ms", scope: "all" };
      const errors = { alert_id: "errors", metric: "errorRate", scope: "provider=openai" };
      expect(sample(text, "llmeter_health_alert_firing", slow)).toBe(1);
      expect(sample(text, "llmeter_health_alert_value", slow)).toBeCloseTo(4000, -2);
      expect(sample(text, "llmeter_health_alert_threshold", slow)).toBe(1000);
      expect(sample(text, "llmeter_health_alert_window_calls", slow)).toBe(3);
      expect(sample(text, "llmeter_health_alert_firing", errors)).toBe(0);
      expect(sample(text, "llmeter_health_alert_value", errors)).toBe(0);
    } finally {
      await meter.shutdown();
    }
  });

  it("adds no health series without a source", async () => {
    const text = await createPrometheusExporter().metrics();
    expect(text).not.toContain("health_alert");
  });
});

describe("budget gauges", () => {
  it("show each budget's spend, reservations, limits, share used and state at scrape time", async () => {
    let meter: ReturnType<typeof createMeter> | undefined;
    let reads = 0;
    const prometheus = createPrometheusExporter({
      healthAlerts: () => meter?.alerts?.status(),
      budgets: () => {
        reads++;
        return meter?.budgets?.status();
      },
    });
    const nowMs = Date.parse("2026-11-20T10:00:00.000Z");
    meter = createMeter({
      sinks: [prometheus.sink],
      store: false,
      pricing: false,
      now: () => nowMs,
      diagnostics: silentDiagnostics,
      alerts: { rules: [{ id: "slow", metric: "latencyP95Ms", above: 1000 }] },
      budgets: {
        rules: [
          {
            id: "acme-daily",
            scope: { tenantId: "acme" },
            window: "day",
            limitUsd: 10,
            enforce: true,
          },
          { id: "all-tokens", window: { rolling: "24h" }, limitTokens: 1000, limitRequests: 4 },
        ],
      },
    });
    try {
      const call = { provider: "openai", model: "gpt-4o", timestamp: nowMs };
      meter.recordLlm({ ...call, tenantId: "acme", costUsd: 9.5, inputTokens: 300 });
      meter.recordLlm({ ...call, tenantId: "other", costUsd: 1, inputTokens: 200 });
      await meter.flush();
      // One call in flight under the enforced rule: reserved, not yet spent.
      const inFlight = meter.start({
        provider: "openai",
        model: "gpt-4o",
        tenantId: "acme",
        estimate: { costUsd: 0.25 },
      });
      const before = reads;
      const text = await prometheus.metrics();
      expect(reads - before).toBe(1);
      const acme = { budget_id: "acme-daily", scope: "tenant acme", window: "day" };
      const tokens = { budget_id: "all-tokens", scope: "all calls", window: "24h" };
      expect(sample(text, "llmeter_budget_spent_usd", acme)).toBe(9.5);
      expect(sample(text, "llmeter_budget_reserved_usd", acme)).toBe(0.25);
      expect(sample(text, "llmeter_budget_limit_usd", acme)).toBe(10);
      expect(sample(text, "llmeter_budget_used_ratio", acme)).toBeCloseTo(0.95, 9);
      expect(sample(text, "llmeter_budget_state", acme)).toBe(2); // past 75 and 90: critical
      expect(sample(text, "llmeter_budget_spent_usd", tokens)).toBe(10.5);
      expect(sample(text, "llmeter_budget_spent_tokens", tokens)).toBe(500);
      expect(sample(text, "llmeter_budget_limit_tokens", tokens)).toBe(1000);
      expect(sample(text, "llmeter_budget_requests", tokens)).toBe(2);
      expect(sample(text, "llmeter_budget_limit_requests", tokens)).toBe(4);
      expect(sample(text, "llmeter_budget_used_ratio", tokens)).toBe(0.5);
      expect(sample(text, "llmeter_budget_state", tokens)).toBe(0);
      // No USD limit, no limit series; the health gauges are still there beside them.
      expect(sample(text, "llmeter_budget_limit_usd", tokens)).toBeUndefined();
      expect(sample(text, "llmeter_health_alert_threshold", { alert_id: "slow" })).toBe(1000);
      inFlight.discard?.();
      // The next scrape reads afresh: the reservation is gone, new spend is in.
      meter.recordLlm({ ...call, tenantId: "acme", costUsd: 0.25 });
      await meter.flush();
      const next = await prometheus.metrics();
      expect(reads - before).toBe(2);
      expect(sample(next, "llmeter_budget_reserved_usd", acme)).toBe(0);
      expect(sample(next, "llmeter_budget_spent_usd", acme)).toBe(9.75);
      expect(sample(next, "llmeter_budget_state", acme)).toBe(2);
    } finally {
      await meter.shutdown();
    }
  });

  it("serves the usage metrics and counts the failure when the budgets cannot be read", async () => {
    const prometheus = createPrometheusExporter({
      budgets: () => {
        throw new Error("database is locked");
      },
      healthAlerts: () => [],
    });
    prometheus.observe(event({ costUsd: 0.5 }));
    const text = await prometheus.metrics();
    expect(sample(text, "llmeter_cost_usd_total", { provider: "openai" })).toBe(0.5);
    expect(text).not.toContain("llmeter_budget_spent_usd{");
    expect(sample(text, "llmeter_scrape_read_failures_total", { source: "budgets" })).toBe(1);
    expect(sample(text, "llmeter_scrape_read_failures_total", { source: "health_alerts" })).toBe(0);
    await prometheus.metrics();
    const again = await prometheus.metrics();
    expect(sample(again, "llmeter_scrape_read_failures_total", { source: "budgets" })).toBe(3);
  });

  it("adds no budget series without a source", async () => {
    const text = await createPrometheusExporter().metrics();
    expect(text).not.toContain("budget_");
  });
});
