// `llmeter forecast` reads the ledger's daily spend and projects the month end per tenant.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "./cli-harness.ts";

const NOW = Date.parse("2026-11-22T12:00:00.000Z");

function call(day: string, tenantId: string, costUsd: number, index: number): UsageEvent {
  return {
    id: `0190a1b2-0000-7000-8000-${String(index).padStart(12, "0")}`,
    timestamp: `${day}T10:00:00.000Z`,
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4.1-mini",
    tenantId,
    success: true,
    inputTokens: 100,
    outputTokens: 10,
    totalTokens: 110,
    costUsd,
    priceSource: "catalog",
  };
}

let store: UsageStore;
let cwd: string;

beforeEach(async () => {
  store = createMemoryStore();
  const events: UsageEvent[] = [];
  // November 1–22: acme spends a flat $10 a day, beta $1 a day.
  for (let date = 1; date <= 22; date++) {
    const day = `2026-11-${String(date).padStart(2, "0")}`;
    events.push(call(day, "acme", 10, date * 2), call(day, "beta", 1, date * 2 + 1));
  }
  await store.append(events);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-cli-forecast-"));
  writeFileSync(join(cwd, "ledger.db"), "");
});

describe("llmeter forecast", () => {
  it("projects each tenant's month end from its daily spend", async () => {
    const result = await runInProcess(
      ["forecast", "--db", "ledger.db", "--tz", "UTC", "--by", "tenant", "--json"],
      { store, cwd, env: { NO_COLOR: "1" }, nowMs: NOW },
    );
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.schemaVersion).toBe(1);
    const acme = body.forecasts.find((entry: { scope: string }) => entry.scope === "tenant:acme");
    // $220 spent through the 22nd (its $10 is in at 10:00); 8 more days at $10 make $300.
    expect(acme.monthEnd.spentUsd).toBeCloseTo(220, 6);
    expect(acme.monthEnd.at).toBe("2026-11-30");
    expect(acme.monthEnd.projectedUsd).toBeCloseTo(300, 0);
    expect(acme.monthEnd.lowUsd).toBeLessThanOrEqual(acme.monthEnd.projectedUsd);
    const beta = body.forecasts.find((entry: { scope: string }) => entry.scope === "tenant:beta");
    expect(beta.monthEnd.projectedUsd).toBeCloseTo(30, 1);
  });

  it("says on which day the projection reaches a month limit", async () => {
    const result = await runInProcess(
      [
        "forecast",
        "--db",
        "ledger.db",
        "--tz",
        "UTC",
        "--tenant",
        "acme",
        "--month-limit-usd",
        "260",
      ],
      { store, cwd, env: { NO_COLOR: "1" }, nowMs: NOW },
    );
    expect(result.code).toBe(0);
    // $220 through the 22nd (its $10 already spent), then $10 a day: $260 on the 26th.
    expect(result.stdout).toContain("on track to reach it by 2026-11-26");
  });
});
