// A real Prometheus (Debian's package, installed by .ci/setup/prometheus.sh) scrapes our endpoint
// and we query its HTTP API for our series.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createPrometheusExporter } from "../../src/prometheus/prometheus-exporter.ts";
import {
  createPrometheusServer,
  type PrometheusServer,
} from "../../src/prometheus/prometheus-server.ts";
import { commandMissing, requireService } from "../services/require-service.ts";

const binary = process.env.LLMETER_PROMETHEUS_BIN ?? "prometheus";
const installed = requireService({
  service: "Prometheus",
  missing: commandMissing(binary, ["--version"]),
  install: "sudo bash .ci/setup/prometheus.sh (Debian's prometheus), or set LLMETER_PROMETHEUS_BIN",
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(!installed)("Prometheus scrapes llmeter/prometheus", () => {
  let directory: string;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let endpoint: PrometheusServer;
  let meter: Meter;
  let output = "";

  async function query(expression: string): Promise<VectorResult[]> {
    const response = await fetch(
      `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`,
    );
    const body = (await response.json()) as { status: string; data: { result: VectorResult[] } };
    expect(body.status).toBe("success");
    return body.data.result;
  }

  // Waits for Prometheus to have scraped the series; the deadline only guards against a hang.
  async function waitFor(expression: string, deadlineMs = 30_000): Promise<VectorResult[]> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const result = await query(expression).catch(() => []);
      if (result.length > 0) return result;
      if (Date.now() > deadline)
        throw new Error(`Prometheus never returned ${expression}; its output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

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

    directory = mkdtempSync(join(tmpdir(), "llmeter-prometheus-"));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const target = new URL(endpoint.url);
    writeFileSync(
      join(directory, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: llmeter",
        `    metrics_path: ${target.pathname}`,
        "    static_configs:",
        `      - targets: ["${target.host}"]`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      binary,
      [
        `--config.file=${join(directory, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(directory, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    prometheus.stderr?.on("data", (chunk) => {
      output += chunk;
    });
  });

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once("exit", resolve));
      prometheus.kill("SIGTERM");
      await exited;
    }
    await endpoint?.close();
    await meter?.shutdown();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
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
