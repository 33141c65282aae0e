// A budget with `alertOnProjection` alerts once per window when the forecast of its own scope's
// daily spend passes its limit before the window ends: to the projection callback, the webhook
// and the diagnostics log, as the threshold alerts are delivered.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BudgetAlert, BudgetProjectionAlert } from "../../src/budgets/budget-alerts.ts";
import { resolveBudgetRule } from "../../src/budgets/budget-rule.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { spendEvent } from "./spend-event.ts";

let folder: string;
let ledger: string;
let server: Server | undefined;
const meters: Meter[] = [];

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), "llmeter-projection-"));
  ledger = join(folder, "usage.db");
  // History: November 1–21, acme $10 a day; "fresh" has only the 20th and 21st, $100 each.
  const store = createSqliteStore(ledger);
  const events: UsageEvent[] = [];
  for (let date = 1; date <= 21; date++) {
    const day = `2026-11-${String(date).padStart(2, "0")}`;
    events.push(spendEvent(`acme-${day}`, `${day}T10:00:00.000Z`, "acme", 10));
    if (date >= 20) events.push(spendEvent(`fresh-${day}`, `${day}T10:00:00.000Z`, "fresh", 100));
  }
  await store.append(events);
  await store.close();
});
afterEach(async () => {
  await Promise.all(meters.splice(0).map((meter) => meter.shutdown()));
  await new Promise((resolve) =>
    server === undefined ? resolve(undefined) : server.close(resolve),
  );
  server = undefined;
  rmSync(folder, { recursive: true, force: true });
});

async function listen(received: unknown[]): Promise<string> {
  server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    received.push(JSON.parse(body));
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
}

describe("projection alerts", () => {
  it("fire once per window when the forecast passes the limit, through every channel", async () => {
    let nowMs = Date.parse("2026-11-22T12:00:00.000Z");
    const projections: BudgetProjectionAlert[] = [];
    const thresholds: BudgetAlert[] = [];
    const webhook: unknown[] = [];
    const logged: string[] = [];
    const month = { window: "month", timeZone: "UTC", scope: { tenantId: "acme" } } as const;
    const meter = createMeter({
      ledger,
      pricing: false,
      now: () => nowMs,
      diagnostics: (_level, message) => logged.push(message),
      configContext: { env: {}, cwd: folder },
      budgets: {
        rules: [
          // $210 by the 21st, $10 a day: $300 at the month end, past $280 on the 28th.
          { ...month, id: "acme-month", limitUsd: 280, thresholds: [100], alertOnProjection: true },
          // The same spend stays under $400: no projection alert.
          { ...month, id: "acme-roomy", limitUsd: 400, thresholds: [100], alertOnProjection: true },
          // $200 in two days would pass $1,000, but two days are too few to alert on.
          {
            window: "month",
            timeZone: "UTC",
            scope: { tenantId: "fresh" },
            id: "fresh-month",
            limitUsd: 1000,
            thresholds: [100],
            alertOnProjection: true,
          },
        ],
        onAlert: (alert) => {
          thresholds.push(alert);
        },
        onProjectionAlert: (alert) => {
          projections.push(alert);
        },
        webhook: await listen(webhook),
      },
    });
    meters.push(meter);
    const record = (tenantId: string, costUsd: number) =>
      meter.recordLlm({ provider: "openai", model: "gpt-4o", tenantId, costUsd, timestamp: nowMs });
    record("acme", 10);
    record("fresh", 100);
    await meter.flush();
    expect(projections).toHaveLength(1);
    expect(projections[0]).toMatchObject({
      schemaVersion: 1,
      type: "llmeter.budget.projection",
      budgetId: "acme-month",
      scope: "tenant acme",
      windowKey: "2026-11",
      limitUsd: 280,
      reachesLimitOn: "2026-11-28",
      firedAt: "2026-11-22T12:00:00.000Z",
    });
    expect(projections[0]?.spentUsd).toBeCloseTo(220, 6);
    expect(projections[0]?.projectedUsd).toBeCloseTo(300, 0);
    expect(projections[0]?.lowUsd).toBeLessThanOrEqual(projections[0]?.projectedUsd ?? 0);
    expect(projections[0]?.highUsd).toBeGreaterThanOrEqual(projections[0]?.projectedUsd ?? 0);
    expect(thresholds).toEqual([]); // the threshold callback gets no projection alert
    expect(webhook).toEqual([projections[0]]);
    expect(logged.filter((line) => line.includes("on track to exceed"))).toEqual([
      expect.stringContaining(
        'budget "acme-month" (tenant acme) is on track to exceed $280 by 2026-11-28',
      ),
    ]);

    // More spend later the same month: re-forecast, still once per window.
    nowMs += 60 * 60_000;
    record("acme", 1);
    await meter.flush();
    await meter.budgets?.checkAlerts();
    expect(projections).toHaveLength(1);

    // The next month is a new window; with December's first days over $10 a day it fires again.
    nowMs = Date.parse("2026-12-04T12:00:00.000Z");
    for (let date = 1; date <= 4; date++)
      meter.recordLlm({
        provider: "openai",
        model: "gpt-4o",
        tenantId: "acme",
        costUsd: 10,
        timestamp: Date.parse(`2026-12-0${date}T10:00:00.000Z`),
      });
    await meter.flush();
    await meter.budgets?.checkAlerts();
    expect(projections.map((alert) => [alert.budgetId, alert.windowKey])).toEqual([
      ["acme-month", "2026-11"],
      ["acme-month", "2026-12"],
    ]);
  });

  it("needs a calendar window and a USD limit", () => {
    expect(() =>
      resolveBudgetRule({ window: "7d", limitUsd: 5, alertOnProjection: true }, {}, "budget"),
    ).toThrow(/calendar window/);
    expect(() =>
      resolveBudgetRule({ window: "day", limitTokens: 5, alertOnProjection: true }, {}, "budget"),
    ).toThrow(/limitUsd/);
    expect(
      resolveBudgetRule({ window: "day", limitUsd: 5, alertOnProjection: true }, {}, "budget")
        .alertOnProjection,
    ).toBe(true);
  });
});
