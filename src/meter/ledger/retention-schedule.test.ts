import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryStore } from "../../store/memory-store.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { Diagnostics } from "../diagnostics.ts";
import { retentionFromSettings, scheduleRetention } from "./retention-schedule.ts";

function eventAt(id: string, timeMs: number): UsageEvent {
  return {
    id,
    timestamp: new Date(timeMs).toISOString(),
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    success: true,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("retention settings and schedule", () => {
  it("turns retentionDays and maxLedgerMb into a policy, or none", () => {
    expect(retentionFromSettings({})).toBeUndefined();
    expect(retentionFromSettings({ retentionDays: 30, maxLedgerMb: 10 })).toEqual({
      maxAgeMs: 30 * 86_400_000,
      maxBytes: 10 * 1024 * 1024,
    });
  });

  it("enforces the policy soon after start and then every hour", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 20) });
    const store = createMemoryStore();
    const day = 86_400_000;
    await store.append([eventAt("old", Date.now() - 10 * day), eventAt("new", Date.now() - day)]);
    const stop = scheduleRetention(store, { maxAgeMs: 5 * day }, new Diagnostics(() => {}));
    await vi.advanceTimersByTimeAsync(1_500);
    const ids = async () => {
      const list: string[] = [];
      for await (const event of store.events()) list.push(event.id);
      return list;
    };
    expect(await ids()).toEqual(["new"]);
    // An hour later the clock has moved on and the next pass deletes what aged out meanwhile.
    await store.append([eventAt("aging", Date.now() - 5 * day + 30 * 60_000)]);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(await ids()).toEqual(["new"]);
    stop();
  });
});
