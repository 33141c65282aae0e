import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  CHECKPOINT_THREAD_AFTER_EVENTS,
  createSqliteStore,
  type SqliteStoreOptions,
} from "../../src/store/sqlite/sqlite-store.ts";
import { runChild } from "./run-child.ts";
import { sampleEvents } from "./sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-checkpoints-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The database file's size (not its WAL): it only grows when a checkpoint copies pages in. */
function databaseFileBytes(path: string): number {
  return statSync(path).size;
}

/** Writes `count` sample events in batches of 500 and returns the file's size before them. */
function writeEvents(path: string, count: number, options: SqliteStoreOptions = {}) {
  const store = createSqliteStore(path, options);
  const before = databaseFileBytes(path);
  const events = sampleEvents(count);
  for (let offset = 0; offset < events.length; offset += 500) {
    store.appendSync(events.slice(offset, offset + 500));
  }
  return { store, before };
}

describe("WAL checkpoints on their own thread", () => {
  it("copies a busy store's WAL into the database file while the store stays open", async () => {
    const path = join(folder, "thread.db");
    const { store, before } = writeEvents(path, CHECKPOINT_THREAD_AFTER_EVENTS * 3);
    try {
      // Far below wal_autocheckpoint (10,000 pages): only the thread can have copied them.
      await vi.waitFor(() => expect(databaseFileBytes(path)).toBeGreaterThan(before), {
        timeout: 10_000,
        interval: 20,
      });
      expect((await store.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests).toBe(
        CHECKPOINT_THREAD_AFTER_EVENTS * 3,
      );
    } finally {
      await store.close();
    }
  });

  it("leaves the WAL alone without the thread, and for a store that has written little", async () => {
    for (const [name, count, options] of [
      ["off.db", CHECKPOINT_THREAD_AFTER_EVENTS * 3, { checkpointThread: false }],
      ["small.db", CHECKPOINT_THREAD_AFTER_EVENTS - 1, {}],
    ] as const) {
      const path = join(folder, name);
      const { store, before } = writeEvents(path, count, options);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(databaseFileBytes(path), name).toBe(before);
      } finally {
        await store.close();
      }
    }
  });

  it("close() stops the thread first, so the writer's close checkpoints everything and removes the WAL", async () => {
    const path = join(folder, "close.db");
    const { store } = writeEvents(path, CHECKPOINT_THREAD_AFTER_EVENTS * 4);
    await store.close();
    // Had the thread's connection still been open, the WAL would have outlived the writer's.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = createSqliteStore(path);
    try {
      expect((await reopened.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests).toBe(
        CHECKPOINT_THREAD_AFTER_EVENTS * 4,
      );
    } finally {
      await reopened.close();
    }
  });

  it("never keeps a process alive, and a close as the process's last act completes", async () => {
    for (const mode of ["leave", "close"] as const) {
      const path = join(folder, `child-${mode}.db`);
      // A child kept alive by the thread would never end: the test would time out.
      const result = await runChild("write-then-leave.ts", [
        path,
        mode,
        String(CHECKPOINT_THREAD_AFTER_EVENTS * 3),
      ]);
      expect(result.code, result.stderr).toBe(0);
      if (mode === "close") expect(result.stdout.trim()).toBe("closed");
      const store = createSqliteStore(path);
      try {
        expect(
          (await store.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests,
          mode,
        ).toBe(CHECKPOINT_THREAD_AFTER_EVENTS * 3);
      } finally {
        await store.close();
      }
    }
  }, 60_000);
});
