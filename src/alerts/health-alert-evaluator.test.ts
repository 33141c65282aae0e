import { describe, expect, it } from "vitest";
import type { UsageEvent } from "../usage/usage-event.ts";
import { type HealthAlert, HealthAlertEvaluator } from "./health-alert-evaluator.ts";
import { type HealthAlertRule, resolveHealthAlertRule } from "./health-alert-rule.ts";

const START = Date.parse("2026-12-07T10:00:00.000Z");

function call(index: number, fields: Partial<UsageEvent>): UsageEvent {
  return {
    id: `0190a1b2-0000-7000-8000-${String(index).padStart(12, "0")}`,
    timestamp: new Date(START + index * 1000).toISOString(),
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4.1-mini",
    success: true,
    latencyMs: 200,
    costUsd: 0.001,
    ...fields,
  };
}

function evaluatorFor(rule: HealthAlertRule) {
  const alerts: HealthAlert[] = [];
  const evaluator = new HealthAlertEvaluator([resolveHealthAlertRule(rule, "test")], (alert) =>
    alerts.push(alert),
  );
  return { alerts, evaluator };
}

describe("health alert evaluator", () => {
  it("fires once per latency breach and once on recovery, silent below its minimum calls", () => {
    const { alerts, evaluator } = evaluatorFor({
      id: "slow",
      metric: "latencyP95Ms",
      above: 1000,
      window: "1m",
      minCalls: 5,
    });
    let index = 0;
    for (let n = 0; n < 4; n++) evaluator.observe(call(index++, { latencyMs: 5000 }));
    expect(alerts).toHaveLength(0);
    for (let n = 0; n < 20; n++) evaluator.observe(call(index++, { latencyMs: 5000 }));
    expect(alerts.map((alert) => alert.status)).toEqual(["firing"]);
    // Two minutes later the slow calls have left the window: fast calls clear it, once.
    index += 120;
    for (let n = 0; n < 20; n++) evaluator.observe(call(index++, { latencyMs: 100 }));
    expect(alerts.map((alert) => alert.status)).toEqual(["firing", "resolved"]);
  });

  it("fires on an error rate above its share, only within its scope", () => {
    const { alerts, evaluator } = evaluatorFor({
      id: "errors",
      metric: "errorRate",
      above: 0.2,
      window: "5m",
      minCalls: 10,
      scope: { provider: "openai" },
    });
    let index = 0;
    for (let n = 0; n < 20; n++)
      evaluator.observe(call(index++, { provider: "anthropic", success: false }));
    expect(alerts).toHaveLength(0);
    for (let n = 0; n < 20; n++) evaluator.observe(call(index++, { success: n % 2 === 0 }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.status).toBe("firing");
    expect(alerts[0]?.value).toBeCloseTo(0.5, 1);
  });

  it("fires on a spend spike against the usual hourly rate", () => {
    const { alerts, evaluator } = evaluatorFor({
      id: "spike",
      metric: "spendSpike",
      above: 5,
      window: "1h",
      baseline: "24h",
    });
    // Ten hours at $0.01 a call, one call a minute: $0.60 an hour.
    for (let minute = 0; minute < 600; minute++) {
      evaluator.observe(call(minute * 60, { costUsd: 0.01 }));
    }
    expect(alerts).toHaveLength(0);
    // Then $1 a call: $60 an hour, 100 times the usual rate.
    for (let minute = 600; minute < 620; minute++) {
      evaluator.observe(call(minute * 60, { costUsd: 1 }));
    }
    expect(alerts.map((alert) => alert.status)).toEqual(["firing"]);
  });

  it("rejects a rule it cannot evaluate, saying what to fix", () => {
    expect(() =>
      resolveHealthAlertRule({ id: "x", metric: "errorRate", above: 5 }, "test"),
    ).toThrow(/share under 1/);
  });
});
