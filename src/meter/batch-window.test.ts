import { setTimeout as sleep, setImmediate as turnEventLoop } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/resolve-config.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { createMeter, type MeterOptions } from "./create-meter.ts";

const isolated: MeterOptions = {
  configContext: { env: { LLMETER_CONFIG: "none" } },
  diagnostics: () => {},
  ledger: false,
};

describe("the meter's batch window", () => {
  it("gathers the events of a window and hands them to sinks together, without a flush", async () => {
    const writes: string[][] = [];
    const meter = createMeter({
      ...isolated,
      batchWindowMs: 40,
      sinks: [{ name: "batches", write: (events) => void writes.push(events.map((e) => e.model)) }],
    });
    meter.recordLlm({ provider: "openai", model: "one" });
    await turnEventLoop();
    meter.recordLlm({ provider: "openai", model: "two" });
    await turnEventLoop();
    meter.recordLlm({ provider: "openai", model: "three" });
    // Still inside the window: nothing delivered yet, the calls' loop turns did not drain it.
    expect(writes).toEqual([]);
    await sleep(120);
    // The first event goes alone (what a stuck sink holds stays one event plus its buffer), the
    // rest of the window in one write.
    expect(writes).toEqual([["one"], ["two", "three"]]);
    await meter.shutdown();
  });

  it("never hides an event from a read: getStats and getHealth process the window first", () => {
    const meter = createMeter({ ...isolated, batchWindowMs: 1000 });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10, outputTokens: 2 });
    expect(meter.getStats().totalRequests).toBe(1);
    expect(meter.getHealth().recorded).toBe(1);
    return meter.shutdown();
  });

  it("with batchWindowMs: 0, processes events on the next event-loop turn", async () => {
    const events: UsageEvent[] = [];
    const meter = createMeter({
      ...isolated,
      batchWindowMs: 0,
      sinks: [(event) => void events.push(event)],
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o" });
    expect(events).toHaveLength(0);
    await turnEventLoop();
    expect(events.map((event) => event.model)).toEqual(["gpt-4o"]);
    await meter.shutdown();
  });

  it("a sink that answers synchronously gets the whole drain within it, in order", async () => {
    const seen: string[] = [];
    const meter = createMeter({
      ...isolated,
      sinks: [{ name: "sync", write: (events) => void seen.push(...events.map((e) => e.model)) }],
    });
    for (const model of ["a", "b", "c", "d"]) meter.recordLlm({ provider: "x", model });
    // getHealth drains synchronously: a synchronous sink is then already served, no await needed.
    meter.getHealth();
    expect(seen).toEqual(["a", "b", "c", "d"]);
    await meter.shutdown();
  });

  it("rejects a bad batchWindowMs with a ConfigError that says how to fix it", () => {
    for (const bad of [-1, Number.NaN, 5000, "10" as unknown as number]) {
      expect(() => createMeter({ ...isolated, batchWindowMs: bad })).toThrow(ConfigError);
    }
    expect(() => createMeter({ ...isolated, batchWindowMs: -1 })).toThrow(
      /batchWindowMs: expected a number of milliseconds from 0 to 1000, got -1/,
    );
  });

  it("does not keep a finished process waiting: shutdown clears the window's timer", async () => {
    const timers = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const before = timers();
    const events: UsageEvent[] = [];
    const meter = createMeter({
      ...isolated,
      batchWindowMs: 1000,
      sinks: [(event) => void events.push(event)],
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o" });
    expect(timers()).toBe(before + 1);
    await meter.shutdown();
    // Delivered by shutdown's flush; the window's timer is gone rather than left to fire later.
    expect(events).toHaveLength(1);
    expect(timers()).toBe(before);
  });
});
