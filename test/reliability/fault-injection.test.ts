// Fault injection: the application's calls keep returning their own results while the telemetry
// behind them fails. Sinks that throw, hang or crawl; the ledger locked by another process for
// seconds; the disk full (a file-size limit on a child process). Events are buffered up to the
// limit and written once the fault clears; what is dropped is counted and reported once.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it, vi } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");

function countRows(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

function integrity(path: string): string {
  const db = new DatabaseSync(path);
  try {
    return String(
      (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
    );
  } finally {
    db.close();
  }
}

/** Calls the "application" function through meter.track and checks every result is unchanged. */
async function applicationCalls(
  meter: ReturnType<typeof createMeter>,
  rounds: number,
  perRound: number,
): Promise<number> {
  let wrong = 0;
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < perRound; index++) {
      const value = round * perRound + index;
      const result = await meter.track(
        { provider: "openai", model: "gpt-4o-mini" },
        async (tracker) => {
          tracker.setTokens({ inputTokens: 100, outputTokens: 10 });
          return value * 3;
        },
      );
      if (result !== value * 3) wrong += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return wrong;
}

describe("fault injection", { timeout: 120_000 }, () => {
  it("a throwing, a hanging and a slow sink change no result; the ledger gets everything; drops are counted", async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-fault-")), "usage.db");
    const diagnostics: string[] = [];
    const slow: UsageEvent[] = [];
    const meter = createMeter({
      ledger,
      configContext: { env: {}, cwd: tmpdir() },
      maxBufferedEvents: 1000,
      diagnostics: (level, message) => diagnostics.push(`${level}: ${message}`),
      sinks: [
        {
          name: "throwing",
          write: () => {
            throw new Error("exporter exploded");
          },
        },
        { name: "hanging", write: () => new Promise<void>(() => {}) },
        {
          name: "rejecting",
          write: async () => {
            throw new Error("ECONNREFUSED 127.0.0.1:4318");
          },
        },
        {
          name: "slow",
          write: async (events) => {
            await new Promise((resolve) => setTimeout(resolve, 3));
            slow.push(...events);
          },
        },
      ],
    });
    const wrong = await applicationCalls(meter, 20, 150);
    expect(wrong).toBe(0);
    await meter.flush({ timeoutMs: 5000 });
    await vi.waitFor(() => expect(countRows(ledger)).toBe(3000), { timeout: 20_000 });
    await vi.waitFor(() => expect(meter.getHealth().droppedBySink.throwing).toBe(3000), {
      timeout: 20_000,
    });
    const health = meter.getHealth();
    expect(health.recorded).toBe(3000);
    expect(slow).toHaveLength(3000);
    expect(health.droppedBySink.slow).toBe(0);
    expect(health.droppedBySink.ledger).toBe(0);
    // The hanging sink holds one batch forever; beyond its buffer of 1000, events are dropped and counted.
    expect(health.droppedBySink.hanging).toBeGreaterThanOrEqual(3000 - 1000 - 150);
    expect(health.droppedBySink.hanging).toBeLessThanOrEqual(3000 - 1000);
    await vi.waitFor(() => expect(meter.getHealth().droppedBySink.rejecting).toBe(3000), {
      timeout: 20_000,
    });
    // Each problem is reported once, not once per event.
    expect(diagnostics.filter((line) => line.includes('"throwing" failed'))).toHaveLength(1);
    expect(diagnostics.filter((line) => line.includes('"hanging" is not keeping up'))).toHaveLength(
      1,
    );
    await meter.shutdown({ timeoutMs: 1000 });
  });

  it("a ledger locked by another process for seconds: nothing lost, written once the lock goes", async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-lock-")), "usage.db");
    const meter = createMeter({
      ledger,
      configContext: { env: {}, cwd: tmpdir() },
      diagnostics: () => {},
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1, id: "before-lock" });
    await meter.flush();
    // Another process takes the write lock and holds it for 2 s.
    const locker = spawn(
      NODE,
      [
        "-e",
        `
      const { DatabaseSync } = require("node:sqlite");
      const db = new DatabaseSync(${JSON.stringify(ledger)});
      db.exec("BEGIN IMMEDIATE");
      process.stdout.write("locked\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
      db.exec("COMMIT");
    `,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => locker.stdout.once("data", () => resolve()));
    const exited = new Promise((resolve) => locker.on("close", resolve));
    // Measure how long the application's event loop is held while the ledger waits for the lock.
    let longestGapMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 5);
    const wrong = await applicationCalls(meter, 10, 100);
    await exited;
    await meter.flush();
    clearInterval(probe);
    expect(wrong).toBe(0);
    expect(countRows(ledger)).toBe(1001);
    expect(meter.getHealth().droppedBySink.ledger).toBe(0);
    console.info(
      `ledger locked 2 s by another process: longest event-loop stall ${longestGapMs.toFixed(0)} ms`,
    );
    await meter.shutdown();
    expect(integrity(ledger)).toBe("ok");
  });

  // The ledger writer's background appends wait at most a few milliseconds for another process's
  // lock and retry later, so the lock never freezes the application's event loop. The bound is
  // deliberately loose (half the lock time): it fails only when the lock is waited out on the loop.
  it("the application's event loop keeps turning while another process holds the lock", async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-lock-stall-")), "usage.db");
    const meter = createMeter({
      ledger,
      configContext: { env: {}, cwd: tmpdir() },
      diagnostics: () => {},
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    await meter.flush();
    const locker = spawn(
      NODE,
      [
        "-e",
        `
      const { DatabaseSync } = require("node:sqlite");
      const db = new DatabaseSync(${JSON.stringify(ledger)});
      db.exec("BEGIN IMMEDIATE");
      process.stdout.write("locked\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
      db.exec("COMMIT");
    `,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => locker.stdout.once("data", () => resolve()));
    const exited = new Promise((resolve) => locker.on("close", resolve));
    let longestGapMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 5);
    await applicationCalls(meter, 10, 100);
    await exited;
    await meter.flush();
    clearInterval(probe);
    await meter.shutdown();
    expect(longestGapMs).toBeLessThan(1000);
  });

  it("disk full (ulimit -f): calls return their results, failures are counted, the file stays sound, the process still exits", async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-full-")), "usage.db");
    const script = join(import.meta.dirname, "fixtures/disk-full-process.ts");
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      // 200 KiB: room for the schema and a few batches, then every write fails with EFBIG.
      const child = spawn("bash", ["-c", `ulimit -f 200; exec "$0" "$1"`, NODE, script], {
        env: { PATH: process.env.PATH ?? "", LEDGER: ledger },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    const report = JSON.parse(output.stdout.trim()) as {
      wrong: number;
      recorded: number;
      failures: number;
      dropped: number;
      diagnostics: string[];
    };
    expect(report.wrong).toBe(0);
    expect(report.recorded).toBe(20_000);
    expect(report.failures).toBeGreaterThan(0);
    expect(
      report.diagnostics.filter((line) => line.includes("writing to the ledger failed")),
    ).toHaveLength(1);
    expect(integrity(ledger)).toBe("ok");
    const kept = countRows(ledger);
    expect(kept).toBeLessThan(20_000);
    console.info(
      `disk full: 20000 recorded, ${kept} fit in the 200 KiB file, ${report.failures} failed writes`,
    );
  });
});
