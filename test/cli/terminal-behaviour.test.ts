// In-process runs with a fake terminal: colour, compact layout, confirmation and progress depend on
// a TTY, which a child process with piped output cannot have.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { runInProcess } from "./cli-harness.ts";
import { SEED_EVENTS } from "./fixtures/seed-events.ts";

// The escape character that starts every ANSI colour sequence.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

let store: UsageStore;
let cwd: string;

beforeEach(async () => {
  store = createMemoryStore();
  await store.append(SEED_EVENTS);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-cli-tty-"));
  // withLedger refuses a missing SQLite file; the memory store stands in for it here.
  writeFileSync(join(cwd, "ledger.db"), "");
});

const show = ["usage", "show", "--db", "ledger.db", "--tz", "UTC"];

describe("colour", () => {
  it("is on for a terminal", async () => {
    const result = await runInProcess(show, { store, cwd, tty: true, columns: 160 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(ANSI);
  });

  it("is off when NO_COLOR is set, even on a terminal", async () => {
    const result = await runInProcess(show, {
      store,
      cwd,
      tty: true,
      columns: 160,
      env: { NO_COLOR: "1" },
    });
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stdout).toContain("claude-sonnet-4-5");
  });

  it("is off when piped (cli-table3's own colours included)", async () => {
    const result = await runInProcess(["report", "daily", "--db", "ledger.db", "--tz", "UTC"], {
      store,
      cwd,
    });
    expect(result.stdout).not.toMatch(ANSI);
  });
});

describe("layout", () => {
  it("drops the cache and total-token columns on a narrow terminal", async () => {
    const args = ["report", "daily", "--db", "ledger.db", "--tz", "UTC"];
    const wide = await runInProcess(args, {
      store,
      cwd,
      tty: true,
      columns: 140,
      env: { NO_COLOR: "1" },
    });
    const narrow = await runInProcess(args, {
      store,
      cwd,
      tty: true,
      columns: 80,
      env: { NO_COLOR: "1" },
    });
    expect(wide.stdout).toContain("Cache read");
    expect(narrow.stdout).not.toContain("Cache read");
    expect(narrow.stdout).toContain("Compact layout");
    for (const line of narrow.stdout.split("\n").filter((line) => line.startsWith("│")))
      expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe("usage clear on a terminal", () => {
  it("asks first and deletes nothing when the answer is no", async () => {
    const result = await runInProcess(["usage", "clear", "--all", "--db", "ledger.db"], {
      store,
      cwd,
      tty: true,
      answer: false,
    });
    expect(result.code).toBe(0);
    expect(result.asked).toEqual([expect.stringMatching(/^Delete 8 events \(all of them\)/)]);
    expect(result.stdout).toContain("Nothing deleted.");
    const { totals } = await store.aggregate({ filter: {}, timeZone: "UTC" });
    expect(totals.totalRequests).toBe(8);
  });

  it("deletes the session's events when the answer is yes", async () => {
    const result = await runInProcess(
      ["usage", "clear", "--session", "session-b", "--db", "ledger.db"],
      { store, cwd, tty: true, answer: true },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Deleted 2 events of session session-b.");
    const { totals } = await store.aggregate({ filter: {}, timeZone: "UTC" });
    expect(totals.totalRequests).toBe(6);
  });
});

describe("progress", () => {
  const exportArgs = [
    "usage",
    "export",
    "--format",
    "jsonl",
    "--output",
    "out.jsonl",
    "--db",
    "ledger.db",
  ];

  it("is shown on a terminal and cleared before the summary", async () => {
    const result = await runInProcess(exportArgs, { store, cwd, tty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Exporting... 8 events");
    expect(result.stderr).toContain("Exported 8 events to");
    expect(readFileSync(join(cwd, "out.jsonl"), "utf8").trim().split("\n")).toHaveLength(8);
  });

  it("is not shown when stderr is not a terminal", async () => {
    const result = await runInProcess(exportArgs, { store, cwd });
    expect(result.stderr).not.toContain("Exporting...");
    expect(result.stderr).toContain("Exported 8 events to");
  });
});
