import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runChild } from "./run-child.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-processes-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function countRows(path: string): Promise<{ rows: number; costUsd: number }> {
  const store = createSqliteStore(path);
  try {
    const { totals } = await store.aggregate({ filter: {}, timeZone: "UTC" });
    return { rows: totals.totalRequests, costUsd: totals.totalCostUsd };
  } finally {
    await store.close();
  }
}

describe("durability at process end", () => {
  it("writes every queued event when the event loop empties (no flush call)", async () => {
    const path = join(folder, "natural.db");
    const result = await runChild("record-then-exit.ts", [path, "natural", "500"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await countRows(path)).toEqual({ rows: 500, costUsd: 5 });
  });

  it("writes every queued event on process.exit()", async () => {
    const path = join(folder, "exit.db");
    const result = await runChild("record-then-exit.ts", [path, "process-exit", "500"]);
    expect(result.code, result.stderr).toBe(3);
    expect((await countRows(path)).rows).toBe(500);
  });

  it("flushes on SIGTERM and still dies by the signal when the app has no handler", async () => {
    const path = join(folder, "sigterm.db");
    const result = await runChild("record-then-exit.ts", [path, "signal-default", "500"]);
    expect(result.signal).toBe("SIGTERM");
    expect((await countRows(path)).rows).toBe(500);
  });

  it("flushes on SIGINT and leaves the exit to the application's own handler", async () => {
    const path = join(folder, "sigint.db");
    const result = await runChild("record-then-exit.ts", [path, "signal-handled", "500"]);
    expect(result.stdout).toContain("app handler ran");
    expect(result.code).toBe(7);
    expect((await countRows(path)).rows).toBe(500);
  });
});

describe("several processes, one ledger file", () => {
  it("two writers × 50,000 events while a third process reads: exactly 100,000 rows", async () => {
    const path = join(folder, "shared.db");
    // Create the file first so that the reader can open it as the writers start.
    await createSqliteStore(path).close();
    const [first, second, reader] = await Promise.all([
      runChild("write-events.ts", [path, "alpha", "50000"]),
      runChild("write-events.ts", [path, "beta", "50000"]),
      runChild("read-while-writing.ts", [path, "100000"]),
    ]);
    for (const writer of [first, second]) {
      expect(writer.code, writer.stderr).toBe(0);
      expect(JSON.parse(writer.stdout.trim())).toEqual({ dropped: 0, failures: 0 });
    }
    expect(reader.code, reader.stdout + reader.stderr).toBe(0);
    expect(JSON.parse(reader.stdout.trim()).lastCount).toBe(100_000);

    const store = createSqliteStore(path);
    try {
      const { totals, groupsBy } = await store.aggregate({
        filter: {},
        groupBy: ["tenant"],
        timeZone: "UTC",
      });
      expect(totals.totalRequests).toBe(100_000);
      // Each writer's totals, computed the way the writer produced them.
      let inputTokens = 0;
      let costNano = 0;
      for (let index = 0; index < 50_000; index++) {
        inputTokens += 100 + (index % 7);
        costNano += Math.round(0.000001 * (index % 13) * 1e9);
      }
      for (const tenant of ["alpha", "beta"]) {
        const group = groupsBy.tenant!.find((entry) => entry.key === tenant)!;
        expect(group.totalRequests).toBe(50_000);
        expect(group.totalInputTokens).toBe(inputTokens);
        expect(group.totalCostUsd).toBeCloseTo(costNano / 1e9, 9);
      }
      // Replaying one writer entirely adds nothing.
      const replay = await runChild("write-events.ts", [path, "alpha", "50000"]);
      expect(replay.code, replay.stderr).toBe(0);
      expect((await store.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests).toBe(
        100_000,
      );
    } finally {
      await store.close();
    }
  }, 180_000);
});
