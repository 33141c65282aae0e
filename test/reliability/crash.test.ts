// Crash tests on the SQLite ledger, with a real child process recording at full speed:
// SIGTERM loses nothing; SIGKILL loses nothing in syncWrites mode and at most the queued tail
// otherwise; the file passes PRAGMA integrity_check after every kill; a restart resumes cleanly.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const CHILD = join(import.meta.dirname, "fixtures/recording-process.ts");

interface ChildRun {
  /** `record()` calls the child reported as returned before it died. */
  reported: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the recording child; once it reported `killAfter` events, sends `signal`. */
function runChild(
  env: Record<string, string>,
  kill?: { after: number; signal: NodeJS.Signals },
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CHILD], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (kill !== undefined && !sent && lastReported(stdout) >= kill.after) {
        sent = true;
        child.kill(kill.signal);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ reported: lastReported(stdout), signal, code, stdout, stderr }),
    );
  });
}

function lastReported(stdout: string): number {
  const matches = [...stdout.matchAll(/recorded (\d+)/g)];
  return Number(matches.at(-1)?.[1] ?? 0);
}

/** Rows, whether ids are exactly seq-0..rows-1, and the integrity check, read by a fresh connection. */
function inspect(path: string): { rows: number; contiguous: boolean; integrity: string } {
  const db = new DatabaseSync(path);
  try {
    const integrity = String(
      (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
    );
    const rows = Number((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n);
    const highest = db.prepare("SELECT max(id) AS id FROM events").get() as { id: string | null };
    const contiguous = rows === 0 || highest.id === `seq-${String(rows - 1).padStart(9, "0")}`;
    return { rows, contiguous, integrity };
  } finally {
    db.close();
  }
}

function freshLedger(): string {
  return join(mkdtempSync(join(tmpdir(), "llmeter-crash-")), "usage.db");
}

describe("crash tests on the SQLite ledger", { timeout: 120_000 }, () => {
  it("SIGTERM during a heavy workload loses nothing, re-raises the signal, and a restart resumes", async () => {
    const ledger = freshLedger();
    const run = await runChild(
      { LEDGER: ledger, PER_TICK: "2000" },
      { after: 60_000, signal: "SIGTERM" },
    );
    expect(run.stderr).toBe("");
    // The process still dies of SIGTERM (llmeter flushes, then re-raises).
    expect(run.signal).toBe("SIGTERM");
    expect(run.reported).toBeGreaterThanOrEqual(60_000);
    const after = inspect(ledger);
    expect(after.integrity).toBe("ok");
    expect(after.rows).toBe(run.reported);
    expect(after.contiguous).toBe(true);

    const resumed = await runChild({
      LEDGER: ledger,
      PER_TICK: "2000",
      START: String(after.rows),
      TOTAL: "5000",
    });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('done {"ledger":0}');
    const final = inspect(ledger);
    expect(final).toEqual({ rows: run.reported + 5000, contiguous: true, integrity: "ok" });
  });

  it("SIGKILL in syncWrites mode loses nothing that record() returned for", async () => {
    const ledger = freshLedger();
    const run = await runChild(
      { LEDGER: ledger, SYNC: "1", PER_TICK: "10" },
      { after: 3000, signal: "SIGKILL" },
    );
    expect(run.signal).toBe("SIGKILL");
    const after = inspect(ledger);
    expect(after.integrity).toBe("ok");
    // Everything reported is there; at most the one turn in progress when the kill landed is extra.
    expect(after.rows).toBeGreaterThanOrEqual(run.reported);
    expect(after.rows).toBeLessThanOrEqual(run.reported + 10);
    expect(after.contiguous).toBe(true);
  });

  it("SIGKILL in the default (batched) mode loses at most the queued tail; the file stays sound and resumes", async () => {
    const ledger = freshLedger();
    const run = await runChild(
      { LEDGER: ledger, PER_TICK: "2000" },
      { after: 40_000, signal: "SIGKILL" },
    );
    expect(run.signal).toBe("SIGKILL");
    const after = inspect(ledger);
    expect(after.integrity).toBe("ok");
    // Batches commit in order: what survived is a prefix of what was recorded, nothing invented.
    expect(after.contiguous).toBe(true);
    expect(after.rows).toBeLessThanOrEqual(run.reported + 2000);
    console.info(
      `SIGKILL (batched): ${run.reported} recorded, ${after.rows} in the ledger, ${run.reported - after.rows} lost`,
    );

    const resumed = await runChild({
      LEDGER: ledger,
      PER_TICK: "2000",
      START: String(after.rows),
      TOTAL: "3000",
    });
    expect(resumed.code).toBe(0);
    expect(inspect(ledger)).toEqual({ rows: after.rows + 3000, contiguous: true, integrity: "ok" });
  });
});
