// `llmeter alert set|list|remove|check`: health rules kept in the ledger (beside the alerts
// setting), and each rule's standing now from the ledger's calls.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "./cli-harness.ts";

const NOW = Date.parse("2026-11-22T12:00:00.000Z");
let folder: string;
let ledger: string;
let store: SqliteStore;

const cli = (argv: string[], env: Record<string, string> = {}) =>
  runInProcess([...argv, "--db", ledger], {
    store,
    cwd: folder,
    nowMs: NOW,
    env: { NO_COLOR: "1", ...env },
  });

function call(index: number, fields: Partial<UsageEvent>): UsageEvent {
  return {
    id: `call-${index}`,
    timestamp: new Date(NOW - 60_000 - index * 1000).toISOString(),
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    success: true,
    latencyMs: 800,
    costUsd: 0.01,
    ...fields,
  };
}

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "llmeter-alert-cli-"));
  ledger = join(folder, "usage.db");
  store = createSqliteStore(ledger);
  // The last five minutes: 25 slow openai calls, 10 anthropic calls of which 5 failed.
  const events: UsageEvent[] = [];
  for (let index = 0; index < 25; index++) events.push(call(index, { latencyMs: 6000 }));
  for (let index = 25; index < 35; index++)
    events.push(
      call(index, {
        provider: "anthropic",
        model: "claude-sonnet-4",
        success: index % 2 === 0,
        ...(index % 2 === 0 ? {} : { errorType: "overloaded_error" }),
      }),
    );
  // An hour ago, outside every five-minute window: slow too, but not counted.
  events.push(call(99, { timestamp: new Date(NOW - 3_600_000).toISOString(), latencyMs: 9000 }));
  await store.append(events);
});
afterEach(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

const set = async (...argv: string[]) => {
  const result = await cli(["alert", "set", ...argv]);
  expect(result.code, result.stderr).toBe(0);
  return result;
};

describe("llmeter alert", () => {
  it("sets, lists, checks and removes rules kept in the ledger", async () => {
    expect(
      (
        await set(
          "slow-openai",
          "--metric",
          "latencyP95Ms",
          "--above",
          "5000",
          "--provider",
          "openai",
        )
      ).stdout,
    ).toContain('Health alert "slow-openai" saved');
    const flags = "--metric errorRate --above 0.2 --provider anthropic".split(" ");
    await set("anthropic-errors", ...flags, "--min-calls", "10");
    await set("errors-strict", ...flags);
    await set("burn", "--metric", "spendPerHourUsd", "--above", "5");

    const list = JSON.parse((await cli(["alert", "list", "--json"])).stdout);
    expect(list.schemaVersion).toBe(1);
    expect(
      list.alerts.map((rule: { id: string; source: string }) => [rule.id, rule.source]),
    ).toEqual([
      ["anthropic-errors", "ledger"],
      ["burn", "ledger"],
      ["errors-strict", "ledger"],
      ["slow-openai", "ledger"],
    ]);

    const check = JSON.parse((await cli(["alert", "check", "--json"])).stdout);
    const byId = new Map(check.alerts.map((entry: { alertId: string }) => [entry.alertId, entry]));
    // 25 calls at 6 s (the one at 9 s an hour ago is outside the window).
    expect(byId.get("slow-openai")).toMatchObject({ state: "firing", calls: 25, above: 5000 });
    expect((byId.get("slow-openai") as { value: number }).value).toBeGreaterThan(5900);
    expect((byId.get("slow-openai") as { value: number }).value).toBeLessThan(6100);
    expect(byId.get("anthropic-errors")).toMatchObject({ state: "firing", calls: 10, value: 0.5 });
    // The same breach under the default 20 calls: quiet.
    expect(byId.get("errors-strict")).toMatchObject({ state: "quiet", firing: false, calls: 10 });
    // $0.35 in the last hour: well under $5/h.
    expect(byId.get("burn")).toMatchObject({ state: "ok", calls: 36 });
    expect((byId.get("burn") as { value: number }).value).toBeCloseTo(0.36, 6);

    const text = await cli(["alert", "check"]);
    expect(text.code).toBe(0);
    const slowLine = text.stdout.split("\n").find((line) => line.includes("slow-openai")) ?? "";
    expect(slowLine).toContain("firing");
    expect(slowLine).toContain("5000 ms");
    const failing = await cli(["alert", "check", "--fail"]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("2 health alerts are firing: anthropic-errors, slow-openai");

    expect((await cli(["alert", "remove", "burn"])).code).toBe(0);
    const again = await cli(["alert", "remove", "burn"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No health alert "burn"');
  });

  it("reads rules from the alerts setting too, the setting winning by id", async () => {
    await set("slow-openai", "--metric", "latencyP95Ms", "--above", "5000");
    const env = {
      LLMETER_ALERTS: JSON.stringify([
        { id: "slow-openai", metric: "latencyP95Ms", above: 10_000 },
      ]),
    };
    const list = JSON.parse((await cli(["alert", "list", "--json"], env)).stdout);
    expect(list.alerts).toEqual([
      expect.objectContaining({ id: "slow-openai", above: 10_000, source: "config" }),
    ]);
    const check = JSON.parse((await cli(["alert", "check", "--json"], env)).stdout);
    expect(check.alerts[0]).toMatchObject({ alertId: "slow-openai", state: "ok", above: 10_000 });
  });

  it("refuses a bad rule with a clear message and saves nothing", async () => {
    const metric = await cli(["alert", "set", "x", "--metric", "p99", "--above", "5"]);
    expect(metric.code).toBe(2);
    expect(metric.stderr).toContain('has metric "p99"; use one of latencyP95Ms');
    const share = await cli(["alert", "set", "x", "--metric", "errorRate", "--above", "5"]);
    expect(share.code).toBe(2);
    expect(share.stderr).toContain("give a share under 1");
    expect(JSON.parse((await cli(["alert", "list", "--json"])).stdout).alerts).toEqual([]);
  });

  it("a meter on the ledger applies the rules set by the CLI", async () => {
    await set("slow", "--metric", "latencyP95Ms", "--above", "1000", "--min-calls", "2");
    const database = new DatabaseSync(ledger);
    database
      .prepare("INSERT INTO alert_rules (id, rule, updated_ms) VALUES (?, ?, 0)")
      .run("broken", JSON.stringify({ id: "broken", metric: "p99", above: 1 }));
    database.close();
    let nowMs = NOW;
    const fired: string[] = [];
    const meter = createMeter({
      ledger,
      pricing: false,
      now: () => nowMs,
      diagnostics: (_level, message) => fired.push(message),
      configContext: { env: {}, cwd: folder },
    });
    try {
      expect(meter.alerts?.status().map((status) => status.alertId)).toEqual(["slow"]);
      // A bad rule in the ledger (edited by hand) is skipped with a warning, not a failed start.
      expect(fired.some((line) => line.includes('health alert "broken" has metric "p99"'))).toBe(
        true,
      );
      for (let index = 0; index < 2; index++) {
        meter.recordLlm({ provider: "openai", model: "gpt-4o", latencyMs: 3000, timestamp: nowMs });
        nowMs += 1000;
      }
      await meter.flush();
      expect(meter.alerts?.status()[0]?.firing).toBe(true);
      expect(fired.filter((line) => line.includes('health alert "slow"'))).toHaveLength(1);
    } finally {
      await meter.shutdown();
    }
  });
});
