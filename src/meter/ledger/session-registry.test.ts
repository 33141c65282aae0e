import { describe, expect, it } from "vitest";
import { currentAttribution } from "../attribution.ts";
import { SessionRegistry } from "./session-registry.ts";

function createRegistry(ttlMs: number) {
  const clock = { nowMs: 1_000_000 };
  const registry = new SessionRegistry(
    {
      now: () => clock.nowMs,
      summarize: async (sessionId) => ({ sessionId }) as never,
    },
    ttlMs,
  );
  return { registry, clock };
}

describe("SessionRegistry", () => {
  it("removes sessions idle longer than their TTL, keeps active ones", () => {
    const { registry, clock } = createRegistry(1_000);
    const idle = registry.session("idle");
    const busy = registry.session("busy");
    const long = registry.session("long", { ttlMs: 60_000 });
    clock.nowMs += 800;
    registry.touch("busy"); // an event carrying its id counts as activity
    clock.nowMs += 800;
    expect(registry.sweep()).toBe(1);
    expect(idle.closed).toBe(true);
    expect(busy.closed).toBe(false);
    expect(long.closed).toBe(false);
    expect(registry.size).toBe(2);
    clock.nowMs += 5_000;
    expect(registry.sweep()).toBe(1);
    expect(registry.size).toBe(1);
    registry.closeAll();
    expect(registry.size).toBe(0);
  });

  it("gives new sessions a fresh id and runs code with the session in attribution", async () => {
    const { registry } = createRegistry(1_000);
    const first = registry.session(undefined);
    const second = registry.session(undefined);
    expect(first.id).not.toBe(second.id);
    const seen = await first.run(async () => {
      await Promise.resolve();
      return currentAttribution()?.sessionId;
    });
    expect(seen).toBe(first.id);
    expect(currentAttribution()).toBeUndefined();
  });
});
