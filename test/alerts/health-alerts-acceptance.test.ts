// Acceptance of the health alerts (issue 22.5): the real `openai` SDK, instrumented by llmeter,
// against the mock provider made slow, failing and expensive in turn. Each alert fires exactly
// once per breach, clears on recovery, and stays silent below its minimum calls. The meter and
// the mock provider share a virtual clock: a "slow" reply advances it instead of sleeping, so the
// measured latency is exactly the configured delay and nothing here depends on timing.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthAlert } from "../../src/alerts/health-alert-evaluator.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/instrument-openai.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createPrometheusExporter } from "../../src/prometheus/prometheus-exporter.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";

const MINUTE_MS = 60_000;
let nowMs = Date.parse("2026-11-22T00:00:00.000Z");
const alerts: HealthAlert[] = [];
const logged: string[] = [];
let mock: MockProvider;
let meter: Meter;
let client: OpenAI;
const prometheus = createPrometheusExporter({ healthAlerts: () => meter.alerts?.status() });

beforeAll(async () => {
  mock = await startMockProvider({
    wait: async (ms) => {
      nowMs += ms;
    },
  });
  meter = createMeter({
    store: false,
    now: () => nowMs,
    sinks: [prometheus.sink],
    diagnostics: (_level, message) => logged.push(message),
    alerts: {
      rules: [
        { id: "slow", metric: "latencyP95Ms", above: 2000, window: "5m", minCalls: 5 },
        { id: "ttft", metric: "timeToFirstTokenP95Ms", above: 1000, window: "5m", minCalls: 5 },
        { id: "errors", metric: "errorRate", above: 0.2, window: "5m", minCalls: 5 },
        { id: "burn", metric: "spendPerHourUsd", above: 2, window: "1h" },
        { id: "spike", metric: "spendSpike", above: 10, window: "1h", baseline: "24h" },
      ],
      onAlert: (alert) => {
        alerts.push(alert);
      },
    },
  });
  client = instrumentOpenAI(
    new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "sk-test", maxRetries: 0 }),
    { meter },
  );
  // Six hours of ordinary traffic: a few fast, cheap calls an hour (the spike's usual rate).
  for (let hour = 0; hour < 6; hour++) {
    for (let index = 0; index < 4; index++) {
      await chat();
      nowMs += 15 * MINUTE_MS;
    }
  }
  await meter.flush();
});
afterAll(async () => {
  await meter.shutdown();
  await mock.close();
});

async function chat(): Promise<void> {
  await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "How long is a piece of string?" }],
  });
}

async function stream(): Promise<void> {
  const chunks = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Count to eight." }],
    stream: true,
  });
  for await (const _chunk of chunks) {
    // Read to the end: the call is measured when its stream finishes.
  }
}

/** The alerts sent since `from`, as `id status` strings. */
async function sentSince(from: number): Promise<string[]> {
  await meter.flush();
  return alerts.slice(from).map((alert) => `${alert.alertId} ${alert.status}`);
}

function statusOf(id: string) {
  return meter.alerts?.status().find((status) => status.alertId === id);
}

describe("health alerts against the mock provider", () => {
  it("are silent on ordinary traffic", async () => {
    expect(await sentSince(0)).toEqual([]);
    expect(meter.alerts?.status().every((status) => !status.firing)).toBe(true);
  });

  it("p95 latency: silent below its minimum calls, fires once, clears on recovery", async () => {
    mock.setOptions({ latencyMs: 3000 });
    const from = alerts.length;
    for (let index = 0; index < 4; index++) await chat(); // 4 slow calls, minCalls 5
    expect(await sentSince(from)).toEqual([]);
    expect(statusOf("slow")).toMatchObject({ firing: false, calls: 4 });
    for (let index = 0; index < 4; index++) await chat();
    expect(await sentSince(from)).toEqual(["slow firing"]);
    const firing = alerts.at(-1) as HealthAlert;
    expect(firing).toMatchObject({ metric: "latencyP95Ms", above: 2000, calls: 5, scope: "all" });
    expect(firing.value).toBeGreaterThan(2900);
    expect(firing.value).toBeLessThan(3100);
    expect(sample(await prometheus.metrics(), "llmeter_health_alert_firing", "slow")).toBe(1);

    // Recovery: fast again; once the slow calls leave the window, the rule clears, once.
    mock.setOptions({ latencyMs: 0 });
    nowMs += 6 * MINUTE_MS;
    for (let index = 0; index < 6; index++) await chat();
    expect(await sentSince(from)).toEqual(["slow firing", "slow resolved"]);
    expect(statusOf("slow")).toMatchObject({ firing: false, calls: 6 });
    expect(statusOf("slow")?.value).toBeLessThan(2000);
    expect(sample(await prometheus.metrics(), "llmeter_health_alert_firing", "slow")).toBe(0);
    nowMs += 6 * MINUTE_MS;
  });

  it("time to first token: fires once on slow first chunks, clears on recovery", async () => {
    mock.setOptions({ timeToFirstTokenMs: 1500 });
    const from = alerts.length;
    for (let index = 0; index < 4; index++) await stream();
    expect(await sentSince(from)).toEqual([]);
    for (let index = 0; index < 3; index++) await stream();
    // 1.5 s to the first token is over its 1 s bound; the 1.5 s latency is under the 2 s one.
    expect(await sentSince(from)).toEqual(["ttft firing"]);
    expect(alerts.at(-1)?.value).toBeGreaterThan(1400);
    expect(alerts.at(-1)?.value).toBeLessThan(1600);
    mock.setOptions({ timeToFirstTokenMs: 0 });
    nowMs += 6 * MINUTE_MS;
    for (let index = 0; index < 5; index++) await stream();
    expect(await sentSince(from)).toEqual(["ttft firing", "ttft resolved"]);
    expect(statusOf("ttft")).toMatchObject({ firing: false, calls: 5 });
    nowMs += 6 * MINUTE_MS;
  });

  it("error rate: fires once while calls fail, clears when the window empties", async () => {
    mock.setOptions({ failure: { status: 500, times: 8 } });
    const from = alerts.length;
    for (let index = 0; index < 4; index++) await expect(chat()).rejects.toThrow();
    expect(await sentSince(from)).toEqual([]);
    for (let index = 0; index < 4; index++) await expect(chat()).rejects.toThrow();
    expect(await sentSince(from)).toEqual(["errors firing"]);
    expect(alerts.at(-1)).toMatchObject({ metric: "errorRate", value: 1, calls: 5 });
    // The provider recovers and traffic stops: evaluated at now, the empty window clears it.
    nowMs += 6 * MINUTE_MS;
    await meter.alerts?.check();
    expect(await sentSince(from)).toEqual(["errors firing", "errors resolved"]);
    for (let index = 0; index < 6; index++) await chat();
    expect(await sentSince(from)).toEqual(["errors firing", "errors resolved"]);
    expect(statusOf("errors")).toMatchObject({ firing: false, value: 0, calls: 6 });
    nowMs += 6 * MINUTE_MS;
  });

  it("spend per hour and spikes: fire once on expensive replies, clear an hour later", async () => {
    // 100,000 output words (tokens) at gpt-4o's $10 per million: about $1 a call.
    mock.setOptions({ replyWords: 100_000, chunks: 1 });
    const from = alerts.length;
    await chat(); // about $1 in the hour: a spike over the usual cents, under $2/h
    expect(await sentSince(from)).toEqual(["spike firing"]);
    await chat(); // past $2 in the hour
    await chat();
    expect(await sentSince(from)).toEqual(["spike firing", "burn firing"]);
    const burn = alerts.at(-1) as HealthAlert;
    expect(burn.metric).toBe("spendPerHourUsd");
    expect(burn.value).toBeGreaterThan(2);
    const spike = alerts[from] as HealthAlert;
    expect(spike.usualUsdPerHour).toBeGreaterThan(0);
    expect(spike.value).toBeGreaterThan(10);

    mock.setOptions({ replyWords: 16, chunks: 8 });
    // The window slides in whole buckets of 1/12 of it: an hour and five minutes empties it.
    nowMs += 66 * MINUTE_MS;
    await chat();
    expect((await sentSince(from)).sort()).toEqual([
      "burn firing",
      "burn resolved",
      "spike firing",
      "spike resolved",
    ]);
    // Nothing else ever fired twice: one firing and one resolved per breach.
    expect(await sentSince(0)).toEqual([
      "slow firing",
      "slow resolved",
      "ttft firing",
      "ttft resolved",
      "errors firing",
      "errors resolved",
      "spike firing",
      "burn firing",
      ...alerts.slice(-2).map((alert) => `${alert.alertId} ${alert.status}`),
    ]);
    expect(logged.filter((line) => line.startsWith('health alert "burn"'))).toHaveLength(2);
  });
});

/** The value of the sample of `name` whose alert_id label is `alertId`. */
function sample(text: string, name: string, alertId: string): number | undefined {
  const line = text
    .split("\n")
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) && candidate.includes(`alert_id="${alertId}"`),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}
