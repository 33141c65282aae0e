// A real Prometheus (Debian's package, installed by .ci/setup/prometheus.sh) scrapes our endpoint
// and we query its HTTP API for our series.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
} from "../services/prometheus-process.ts";

const installed = prometheusInstalled();

describe.skipIf(!installed)("Prometheus scrapes llmeter/prometheus", () => {
  let prometheus: PrometheusProcess;
  let endpoint: PrometheusServer;
  let meter: Meter;
  const waitFor = (expression: string) => prometheus.waitFor(expression);

  beforeAll(async () => {
    const exporter = createPrometheusExporter();
    meter = createMeter({ sinks: [exporter.sink], pricing: false, diagnostics: silentDiagnostics });
    endpoint = await createPrometheusServer(exporter, { port: 0 });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      tenantId: "acme",
      inputTokens: 1500,
      outputTokens: 300,
      costUsd: 0.0075,
      latencyMs: 800,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      tenantId: "acme",
      inputTokens: 500,
      outputTokens: 100,
      costUsd: 0.0025,
      latencyMs: 400,
    });
    meter.record({
      provider: "anthropic",
      model: "claude",
      success: false,
      errorType: "OverloadedError",
    });
    await meter.flush();

    prometheus = await startPrometheus(endpoint.url);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await endpoint?.close();
    await meter?.shutdown();
  });

  it("finds our counters with the values we recorded", async () => {
    const requests = await waitFor('llmeter_requests_total{job="llmeter",status="success"}');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.metric).toMatchObject({
      provider: "openai",
      model: "gpt-4o",
      tenant: "acme",
    });
    expect(Number(requests[0]?.value[1])).toBe(2);

    const input = await waitFor('llmeter_tokens_total{type="input"}');
    expect(Number(input[0]?.value[1])).toBe(2000);
    const cost = await waitFor("sum(llmeter_cost_usd_total)");
    expect(Number(cost[0]?.value[1])).toBeCloseTo(0.01, 9);
    const errors = await waitFor("llmeter_errors_total");
    expect(errors[0]?.metric).toMatchObject({
      provider: "anthropic",
      error_type: "OverloadedError",
    });
    // No tenant: an empty label, which Prometheus drops.
    expect(errors[0]?.metric.tenant).toBeUndefined();
    expect(Number(errors[0]?.value[1])).toBe(1);
    const latency = await waitFor('llmeter_request_duration_seconds_count{status="success"}');
    expect(Number(latency[0]?.value[1])).toBe(2);
    const median = await waitFor(
      'histogram_quantile(0.5, sum by (le) (llmeter_request_duration_seconds_bucket{status="success"}))',
    );
    expect(Number(median[0]?.value[1])).toBeGreaterThan(0.32);
    expect(Number(median[0]?.value[1])).toBeLessThanOrEqual(0.64);
  });
});
