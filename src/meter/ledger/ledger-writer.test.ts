import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../store/memory-store.ts";
import { createSqliteStore } from "../../store/sqlite/sqlite-store.ts";
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
    // One failure of the whole batch; the second is met by writing it in halves.
    expect(writer.failures).toBe(1);
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

describe("LedgerWriter with a row the store rejects", () => {
  it("keeps every other row of the batch and counts the rejected one", async () => {
    const folder = mkdtempSync(join(tmpdir(), "llmeter-reject-"));
    const path = join(folder, "ledger.db");
    const store = createSqliteStore(path, { checkpointThread: false });
    // The ledger refuses one event, as a constraint would: e.g. a NOT NULL column given NaN.
    const admin = new DatabaseSync(path);
    admin.exec(
      "CREATE TRIGGER reject_e3 BEFORE INSERT ON events WHEN NEW.id = 'e-3' BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END",
    );
    admin.close();
    const messages: string[] = [];
    const writer = new LedgerWriter(store, {
      maxBuffered: 1000,
      diagnostics: new Diagnostics((_level, message) => messages.push(message)),
    });
    for (let index = 0; index < 10; index++) writer.push(event(index));
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(await count(store)).toBe(9);
    expect(writer.rejected).toBe(1);
    expect(writer.dropped).toBe(1);
    expect(
      messages.filter((message) => message.includes("rejected an event (id e-3)")),
    ).toHaveLength(1);
    // Later events are not held back by it.
    writer.push(event(10));
    expect(await writer.close()).toBe(1);
    rmSync(folder, { recursive: true, force: true });
  });

  it("keeps a batch buffered, unrejected, while the store fails for every row", async () => {
    const store = flakyStore(1_000);
    const writer = new LedgerWriter(store, {
      maxBuffered: 1000,
      diagnostics: new Diagnostics(() => {}),
    });
    for (let index = 0; index < 4; index++) writer.push(event(index));
    await writer.flush();
    expect(writer.pending).toBe(4);
    expect(writer.rejected).toBe(0);
    // What is still unwritten when the writer closes is lost, and counted.
    expect(await writer.close()).toBe(4);
    expect(writer.dropped).toBe(4);
  });
});
