import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { BudgetExceededError } from "../budgets/budget-exceeded-error.ts";
import { createMeter } from "./create-meter.ts";
import { isAsyncFunction } from "./refuse-call.ts";
import type { Meter } from "./types.ts";

const meters: Meter[] = [];
afterEach(async () => {
  await Promise.all(meters.splice(0).map((meter) => meter.shutdown()));
});

const CALL = { provider: "openai", model: "gpt-4o" };

/** A meter whose enforced $1 daily budget is already spent, so every tracked call is refused. */
async function spentMeter(messages: string[] = []): Promise<Meter> {
  const meter = createMeter({
    store: false,
    pricing: false,
    configContext: { env: { LLMETER_CONFIG: "none" } },
    diagnostics: (_level, message) => messages.push(message),
    budgets: [{ window: "day", limitUsd: 1, enforce: true }],
  });
  meters.push(meter);
  meter.recordLlm({ ...CALL, costUsd: 2 });
  await meter.flush();
  return meter;
}

describe("track() refusing a call", () => {
  it("rejects the promise of an async callback instead of throwing, and never runs it", async () => {
    const meter = await spentMeter();
    let runs = 0;
    let returned: Promise<string> | undefined;
    expect(() => {
      returned = meter.track(CALL, async () => {
        runs += 1;
        return "answer";
      });
    }).not.toThrow();
    expect(returned).toBeInstanceOf(Promise);
    await expect(returned).rejects.toSatisfy(BudgetExceededError.isInstance);
    expect(runs).toBe(0);
  });

  it("lets Promise.all over many async calls reject rather than crash the caller", async () => {
    const meter = await spentMeter();
    const items = [1, 2, 3];
    const all = () => Promise.all(items.map((item) => meter.track(CALL, async () => item)));
    let outcome: unknown;
    expect(() => {
      outcome = all().catch((error: unknown) => error);
    }).not.toThrow();
    expect(BudgetExceededError.isInstance(await outcome)).toBe(true);
  });

  it("rejects for a bound async callback too", async () => {
    const meter = await spentMeter();
    const handler = {
      answer: "bound",
      async call() {
        return this.answer;
      },
    };
    const returned = meter.track(CALL, handler.call.bind(handler));
    await expect(returned).rejects.toSatisfy(BudgetExceededError.isInstance);
  });

  it("throws synchronously for a sync callback, which never runs", async () => {
    const meter = await spentMeter();
    let runs = 0;
    expect(() =>
      meter.track(CALL, () => {
        runs += 1;
        return 42;
      }),
    ).toThrow(BudgetExceededError);
    expect(runs).toBe(0);
  });

  it("after shutdown, an async call goes on unrecorded and says so once", async () => {
    const messages: string[] = [];
    const meter = await spentMeter(messages);
    await meter.shutdown();
    await expect(meter.track(CALL, async () => "late")).resolves.toBe("late");
    await expect(meter.track(CALL, async () => "later")).resolves.toBe("later");
    const notices = messages.filter((message) => message.includes("after meter.shutdown()"));
    expect(notices).toHaveLength(1);
    expect(messages.some((message) => message.includes("database is not open"))).toBe(false);
  });
});

describe("isAsyncFunction", () => {
  it("knows async functions, bound or from another realm, and nothing else", () => {
    expect(isAsyncFunction(async () => {})).toBe(true);
    expect(isAsyncFunction(async function named() {}.bind(null))).toBe(true);
    expect(isAsyncFunction(runInNewContext("(async () => 1)"))).toBe(true);
    expect(isAsyncFunction(() => Promise.resolve(1))).toBe(false);
    expect(isAsyncFunction(function* generator() {})).toBe(false);
    expect(isAsyncFunction(async function* asyncGenerator() {})).toBe(false);
    expect(isAsyncFunction(Promise.resolve(1))).toBe(false);
  });
});
