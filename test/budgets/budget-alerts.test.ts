import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { BudgetAlert } from "../../src/budgets/budget-alerts.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";

const meters: Meter[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(meters.splice(0).map((meter) => meter.shutdown()));
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

function clock(startIso: string) {
  let nowMs = Date.parse(startIso);
  return { now: () => nowMs, set: (iso: string) => (nowMs = Date.parse(iso)) };
}

function memoryMeter(options: Parameters<typeof createMeter>[0]): Meter {
  const meter = createMeter({ store: false, pricing: false, diagnostics: () => {}, ...options });
  meters.push(meter);
  return meter;
}

function spend(
  meter: Meter,
  costUsd: number,
  timestamp: number,
  extra: Record<string, unknown> = {},
) {
  meter.recordLlm({ provider: "openai", model: "gpt-4o", costUsd, timestamp, ...extra });
}

describe("budget alerts", () => {
  it("fire once per threshold per window, and again in the next window", async () => {
    const time = clock("2026-11-22T10:00:00Z");
    const alerts: BudgetAlert[] = [];
    const meter = memoryMeter({
      now: time.now,
      budgets: {
        rules: [{ window: "day", timeZone: "UTC", limitUsd: 10 }],
        onAlert: (alert) => {
          alerts.push(alert);
        },
      },
    });
    spend(meter, 7, time.now());
    await meter.flush();
    expect(alerts).toEqual([]);
    spend(meter, 0.6, time.now()); // 76%
    await meter.flush();
    expect(alerts.map((alert) => [alert.threshold, alert.state])).toEqual([[75, "warning"]]);
    spend(meter, 0.1, time.now()); // 77%: nothing new
    spend(meter, 0.1, time.now());
    await meter.flush();
    expect(alerts).toHaveLength(1);
    spend(meter, 3, time.now()); // 108%: 90 and 100 at once, each once
    await meter.flush();
    spend(meter, 1, time.now());
    await meter.flush();
    expect(alerts.map((alert) => [alert.threshold, alert.state])).toEqual([
      [75, "warning"],
      [90, "critical"],
      [100, "exceeded"],
    ]);
    expect(alerts[2]).toMatchObject({
      budgetId: "global/day",
      windowKey: "2026-11-22",
      limitUsd: 10,
      scope: "all calls",
    });
    // Next day: the window is new, so are its alerts.
    time.set("2026-11-23T09:00:00Z");
    spend(meter, 8, time.now());
    await meter.flush();
    expect(alerts.slice(3).map((alert) => [alert.threshold, alert.windowKey])).toEqual([
      [75, "2026-11-23"],
    ]);
  });

  it("re-notifies a threshold after renotifyMs, once per period", async () => {
    const time = clock("2026-11-22T10:00:00Z");
    const alerts: BudgetAlert[] = [];
    const meter = memoryMeter({
      now: time.now,
      budgets: {
        rules: [
          { window: "day", timeZone: "UTC", limitUsd: 1, thresholds: [50], renotifyMs: 3_600_000 },
        ],
        onAlert: (alert) => {
          alerts.push(alert);
        },
      },
    });
    spend(meter, 0.6, time.now());
    await meter.flush();
    time.set("2026-11-22T10:30:00Z");
    spend(meter, 0.01, time.now());
    await meter.flush();
    expect(alerts).toHaveLength(1);
    time.set("2026-11-22T11:01:00Z");
    spend(meter, 0.01, time.now());
    spend(meter, 0.01, time.now());
    await meter.flush();
    expect(alerts.map((alert) => alert.firedAt)).toEqual([
      "2026-11-22T10:00:00.000Z",
      "2026-11-22T11:01:00.000Z",
    ]);
  });

  it("counts only calls in the rule's scope", async () => {
    const time = clock("2026-11-22T10:00:00Z");
    const alerts: BudgetAlert[] = [];
    const meter = memoryMeter({
      now: time.now,
      budgets: {
        rules: [
          {
            scope: { tenantId: "acme", attributes: { feature: "chat" } },
            window: "day",
            timeZone: "UTC",
            limitUsd: 1,
            thresholds: [50],
          },
        ],
        onAlert: (alert) => {
          alerts.push(alert);
        },
      },
    });
    spend(meter, 5, time.now(), { tenantId: "globex", attributes: { feature: "chat" } });
    spend(meter, 5, time.now(), { tenantId: "acme", attributes: { feature: "search" } });
    await meter.flush();
    expect(alerts).toEqual([]);
    spend(meter, 0.6, time.now(), { tenantId: "acme", attributes: { feature: "chat" } });
    await meter.flush();
    expect(alerts.map((alert) => alert.scope)).toEqual(["tenant acme, feature=chat"]);
    expect(meter.budgets?.status()[0]).toMatchObject({
      spentUsd: 0.6,
      requests: 1,
      state: "warning",
    });
  });

  it("honours the time zone at the window boundary", async () => {
    const time = clock("2026-11-22T22:30:00Z"); // 23:30 in Paris
    const alerts: BudgetAlert[] = [];
    const meter = memoryMeter({
      now: time.now,
      budgets: {
        rules: [{ window: "day", timeZone: "Europe/Paris", limitUsd: 10, thresholds: [50] }],
        onAlert: (alert) => {
          alerts.push(alert);
        },
      },
    });
    spend(meter, 6, time.now());
    await meter.flush();
    expect(alerts.map((alert) => alert.windowKey)).toEqual(["2026-11-22"]);
    // 23:10 UTC is past midnight in Paris: a new day there (still Nov 22 in UTC).
    time.set("2026-11-22T23:10:00Z");
    expect(meter.budgets?.status()[0]).toMatchObject({ windowKey: "2026-11-23", spentUsd: 0 });
    spend(meter, 6, time.now());
    await meter.flush();
    expect(alerts.map((alert) => alert.windowKey)).toEqual(["2026-11-22", "2026-11-23"]);
  });

  it("POSTs the alert to a webhook on loopback", async () => {
    const received: Array<{ body: BudgetAlert; contentType: string | undefined }> = [];
    const url = await listen(async (request) => {
      received.push({
        body: JSON.parse(await readBody(request)),
        contentType: request.headers["content-type"],
      });
      return 204;
    });
    const time = clock("2026-11-22T10:00:00Z");
    const meter = memoryMeter({
      now: time.now,
      budgets: {
        rules: [{ id: "daily", window: "day", timeZone: "UTC", limitUsd: 2 }],
        webhook: url,
      },
    });
    spend(meter, 2.5, time.now());
    await meter.flush();
    expect(received.map((item) => item.body.threshold)).toEqual([75, 90, 100]);
    expect(received[0]?.contentType).toBe("application/json");
    expect(received[2]?.body).toMatchObject({
      schemaVersion: 1,
      type: "llmeter.budget.alert",
      budgetId: "daily",
      state: "exceeded",
      spentUsd: 2.5,
      limitUsd: 2,
      windowKey: "2026-11-22",
      windowStart: "2026-11-22T00:00:00.000Z",
    });
  });

  it("retries a failing webhook with backoff and never breaks the call", async () => {
    let attempts = 0;
    const url = await listen(async () => {
      attempts += 1;
      return attempts < 3 ? 503 : 200;
    });
    const logged: string[] = [];
    const time = clock("2026-11-22T10:00:00Z");
    const meter = memoryMeter({
      now: time.now,
      diagnostics: (_level, message) => logged.push(message),
      budgets: {
        rules: [{ window: "day", timeZone: "UTC", limitUsd: 1, thresholds: [100] }],
        webhook: { url, backoffMs: 5, maxAttempts: 4 },
      },
    });
    const answer = await meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
      tracker.setCost(2);
      return "the call's own result";
    });
    expect(answer).toBe("the call's own result");
    await meter.flush();
    expect(attempts).toBe(3);
    expect(
      logged.some((line) => line.includes('budget "global/day"') && line.includes("100%")),
    ).toBe(true);
    expect(logged.some((line) => line.includes("webhook") && line.includes("failed"))).toBe(false);
  });

  it("gives up on a dead webhook after its attempts, reports it, and the app goes on", async () => {
    const url = await listen(async () => 500);
    const logged: string[] = [];
    const time = clock("2026-11-22T10:00:00Z");
    const meter = memoryMeter({
      now: time.now,
      diagnostics: (_level, message) => logged.push(message),
      budgets: {
        rules: [{ window: "day", timeZone: "UTC", limitUsd: 1, thresholds: [100] }],
        webhook: { url: `${url}?token=secret`, backoffMs: 1, maxAttempts: 2 },
        onAlert: () => {
          throw new Error("callback bug");
        },
      },
    });
    expect(
      meter.track({ provider: "openai", model: "gpt-4o" }, (tracker) => {
        tracker.setCost(5);
        return 42;
      }),
    ).toBe(42);
    await meter.flush();
    const failure = logged.find((line) => line.includes("webhook"));
    expect(failure).toContain("failed (HTTP 500)");
    expect(failure).not.toContain("secret");
    expect(logged.some((line) => line.includes("callback threw"))).toBe(true);
  });
});

async function listen(handle: (request: IncomingMessage) => Promise<number>): Promise<string> {
  const server = createServer((request, response) => {
    handle(request).then(
      (status) => response.writeHead(status).end(),
      () => response.writeHead(500).end(),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
}

describe("reservations held by trackers", () => {
  it("are freed when a tracker is discarded (a nested integration recorded the call)", () => {
    const meter = memoryMeter({ budgets: [{ window: "day", limitUsd: 1, enforce: true }] });
    const outer = meter.start({ provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.6 } });
    expect(meter.budgets?.activeReservations()).toBe(1);
    expect(() =>
      meter.start({ provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.6 } }),
    ).toThrow(/would be exceeded/);
    outer.discard?.();
    expect(meter.budgets?.activeReservations()).toBe(0);
    const next = meter.start({ provider: "openai", model: "gpt-4o", estimate: { costUsd: 0.6 } });
    next.discard?.();
  });
});
