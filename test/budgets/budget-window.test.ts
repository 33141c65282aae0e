import { describe, expect, it } from "vitest";
import { BudgetRuleError, resolveBudgetRule } from "../../src/budgets/budget-rule.ts";
import { budgetWindowAt } from "../../src/budgets/budget-window.ts";

describe("budget windows", () => {
  it("starts a Paris day at local midnight, not UTC midnight", () => {
    const rule = resolveBudgetRule({ window: "day", timeZone: "Europe/Paris", limitUsd: 1 });
    // 23:30 UTC on Nov 21 is already Nov 22 in Paris (UTC+1 in winter).
    const window = budgetWindowAt(rule, Date.parse("2026-11-21T23:30:00Z"));
    expect(window.key).toBe("2026-11-22");
    expect(new Date(window.startMs).toISOString()).toBe("2026-11-21T23:00:00.000Z");
    expect(new Date(window.endMs).toISOString()).toBe("2026-11-22T23:00:00.000Z");
    const utc = budgetWindowAt({ ...rule, timeZone: "UTC" }, Date.parse("2026-11-21T23:30:00Z"));
    expect(utc.key).toBe("2026-11-21");
  });

  it("handles a DST change inside a week and a month in New York", () => {
    const week = resolveBudgetRule({ window: "week", timeZone: "America/New_York", limitUsd: 1 });
    const at = budgetWindowAt(week, Date.parse("2026-11-04T12:00:00Z"));
    expect(at.key).toBe("2026-11-02");
    // Monday Nov 2 00:00 EST (UTC-5) to Monday Nov 9 00:00 EST.
    expect(new Date(at.startMs).toISOString()).toBe("2026-11-02T05:00:00.000Z");
    expect(new Date(at.endMs).toISOString()).toBe("2026-11-09T05:00:00.000Z");
    const month = resolveBudgetRule({ window: "month", timeZone: "America/New_York", limitUsd: 1 });
    const december = budgetWindowAt(month, Date.parse("2026-12-31T23:00:00Z"));
    expect(december.key).toBe("2026-12");
    expect(new Date(december.endMs).toISOString()).toBe("2027-01-01T05:00:00.000Z");
    // Nov 1 is still EDT (UTC-4).
    const november = budgetWindowAt(month, Date.parse("2026-11-15T00:00:00Z"));
    expect(new Date(november.startMs).toISOString()).toBe("2026-11-01T04:00:00.000Z");
  });

  it("makes a rolling window end now", () => {
    const rule = resolveBudgetRule({ window: { rolling: "2h" }, limitUsd: 1 });
    const window = budgetWindowAt(rule, 10_000_000);
    expect(window.endMs - window.startMs).toBe(7_200_000 + 1);
    expect(resolveBudgetRule({ window: "30m", limitUsd: 1 }).window).toEqual({
      rollingMs: 1_800_000,
      rolling: "30m",
    });
  });
});

describe("budget rules", () => {
  it("fills defaults and derives an id", () => {
    const rule = resolveBudgetRule(
      { scope: { tenantId: "acme" }, window: "month", limitUsd: 2000 },
      { timeZone: "Europe/Paris" },
    );
    expect(rule).toMatchObject({
      id: "tenant:acme/month",
      thresholds: [75, 90, 100],
      enforce: false,
      timeZone: "Europe/Paris",
    });
    expect(resolveBudgetRule({ scope: "global", window: "day", limitUsd: 5 }).id).toBe(
      "global/day",
    );
  });

  it.each([
    [{ window: "day" }, /needs a limit/],
    [{ window: "fortnight", limitUsd: 1 }, /window must be "day", "week", "month"/],
    [{ window: "day", limitUsd: -1 }, /limitUsd must be a positive number/],
    [{ window: "day", limitUsd: 1, scope: { team: "x" } }, /unknown scope field "team"/],
    [{ window: "day", limitUsd: 1, timeZone: "Mars/Olympus" }, /Unknown time zone/],
    [{ window: "day", limitUsd: 1, thresholds: [0] }, /thresholds must be/],
  ])("rejects %j with a clear message", (rule, message) => {
    expect(() => resolveBudgetRule(rule)).toThrow(BudgetRuleError);
    expect(() => resolveBudgetRule(rule)).toThrow(message);
  });
});
