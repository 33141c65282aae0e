import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../store/memory-store.ts";
import type { UsageStore } from "../../store/usage-store.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { Diagnostics } from "../diagnostics.ts";
import { LedgerWriter } from "./ledger-writer.ts";

function event(index: number): UsageEvent {
  return {
    id: `e-${index}`,
    timestamp: new Date(Date.UTC(2026, 10, 1) + index).toISOString(),
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    success: true,
  };
}

/** A memory store whose first `failures` appends throw. */
function flakyStore(failures: number): UsageStore & { attempts: number } {
  const inner = createMemoryStore();
  let left = failures;
  const store = Object.assign(Object.create(inner) as UsageStore, {
    attempts: 0,
    async append(events: readonly UsageEvent[]) {
      store.attempts += 1;
      if (left > 0) {
        left -= 1;
        throw new Error("database is locked");
      }
      return inner.append(events);
    },
  });
  return store;
}

async function count(store: UsageStore): Promise<number> {
  return (await store.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests;
}

describe("LedgerWriter", () => {
  it("retries a failing store and never drops the batch", async () => {
    const store = flakyStore(2);
    const messages: string[] = [];
    const writer = new LedgerWriter(store, {
      maxBuffered: 1000,
      diagnostics: new Diagnostics((_level, message) => messages.push(message)),
    });
    for (let index = 0; index < 10; index++) writer.push(event(index));
    await writer.flush();
    expect(await count(store)).toBe(10);
    expect(writer.failures).toBe(2);
    expect(writer.dropped).toBe(0);
    // Reported once, not once per failure.
    expect(
      messages.filter((message) => message.includes("writing to the ledger failed")),
    ).toHaveLength(1);
  });

  it("drops and counts only beyond its buffer bound", async () => {
    const store = createMemoryStore();
    const writer = new LedgerWriter(store, {
      maxBuffered: 5,
      diagnostics: new Diagnostics(() => {}),
    });
    for (let index = 0; index < 8; index++) writer.push(event(index));
    expect(writer.dropped).toBe(3);
    await writer.flush();
    expect(await count(store)).toBe(5);
  });

  it("writes one transaction per burst, in batches of at most batchSize", async () => {
    const sizes: number[] = [];
    const inner = createMemoryStore();
    const store: UsageStore = Object.assign(Object.create(inner) as UsageStore, {
      async append(events: readonly UsageEvent[]) {
        sizes.push(events.length);
        return inner.append(events);
      },
    });
    const writer = new LedgerWriter(store, {
      maxBuffered: 10_000,
      batchSize: 400,
      diagnostics: new Diagnostics(() => {}),
    });
    for (let index = 0; index < 1000; index++) writer.push(event(index));
    await writer.flush();
    expect(sizes).toEqual([400, 400, 200]);
  });

  it("waits for a store that is still opening, and reports one that never opens", async () => {
    const store = createMemoryStore();
    const writer = new LedgerWriter(Promise.resolve(store), {
      maxBuffered: 100,
      diagnostics: new Diagnostics(() => {}),
    });
    writer.push(event(1));
    await writer.flush();
    expect(await count(store)).toBe(1);

    const messages: string[] = [];
    const broken = new LedgerWriter(Promise.reject(new Error("no pg")), {
      maxBuffered: 100,
      diagnostics: new Diagnostics((_level, message) => messages.push(message)),
    });
    broken.push(event(2));
    await broken.flush();
    expect(messages[0]).toMatch(/could not be opened/);
  });
});
