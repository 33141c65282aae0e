import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ledgerRows, mockAndFolder, runApp } from "./auto-harness.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

const setup = mockAndFolder();

interface RunReport {
  schemaVersion: number;
  filters: Record<string, unknown>;
  totals: { totalRequests: number; totalInputTokens: number; totalOutputTokens: number };
}

function llmeterRun(db: string, command: string[], env: Record<string, string> = {}) {
  return runApp([CLI, "run", "--json", "--", process.execPath, ...command], {
    MOCK_URL: setup.mock.url,
    LLMETER_DB: db,
    ...env,
  });
}

describe("llmeter run -- <command>", () => {
  it.each(["sdk-calls.mjs", "sdk-calls.cjs"])(
    "meters %s without changes, in one session named after the command, and reports it",
    async (app) => {
      const db = join(setup.folder, `${app}.db`);
      const plain = await runApp([app], { MOCK_URL: setup.mock.url });
      const run = await llmeterRun(db, [app]);
      expect(run.code).toBe(0);
      // The application's own output comes first, unchanged; the report follows.
      expect(run.stdout.startsWith(plain.stdout)).toBe(true);
      const report = JSON.parse(run.stdout.slice(plain.stdout.length)) as RunReport;
      expect(report.schemaVersion).toBe(1);
      expect(report.totals).toMatchObject({
        totalRequests: 6,
        totalInputTokens: 36,
        totalOutputTokens: 96,
      });
      const rows = ledgerRows(db);
      expect(rows).toHaveLength(6);
      const sessions = new Set(rows.map((row) => row.session_id));
      expect(sessions.size).toBe(1);
      const [session] = sessions;
      // The report is the one of this run's session.
      expect(Object.values(report.filters)).toContain(session);
      expect(session).toMatch(new RegExp(`${app.replace(".", "\\.")} @ \\d{4}-\\d\\d-\\d\\dT`));
    },
  );

  it.each([
    { end: "0", code: 0 },
    { end: "1", code: 1 },
    { end: "SIGKILL", code: 137 },
  ])("passes the exit code through ($end gives $code) and still reports", async ({ end, code }) => {
    const db = join(setup.folder, `exit-${end}.db`);
    // Written at once: a process killed with SIGKILL gets no chance to flush.
    const run = await llmeterRun(db, ["call-then-exit.mjs", end], { LLMETER_SYNC_WRITES: "true" });
    expect(run.code).toBe(code);
    expect((JSON.parse(run.stdout) as RunReport).totals.totalRequests).toBe(1);
  });

  it("keeps a key on the command line out of the session name, the ledger and the report", async () => {
    const db = join(setup.folder, "secret-argument.db");
    const key = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";
    const run = await llmeterRun(db, ["call-then-exit.mjs", "0", "--api-key", key]);
    expect(run.code).toBe(0);
    const [row] = ledgerRows(db);
    expect(row?.session_id).toMatch(/call-then-exit\.mjs 0 --api-key \[REDACTED\] @ /);
    expect(run.stdout).not.toContain(key);
  });
});
