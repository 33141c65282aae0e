import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageReport } from "../../src/stats/usage-stats.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { seedEvents } from "./seed-events.ts";

let directory: string;
let ledger: string;
const events = seedEvents(500, {
  endMs: Date.parse("2026-11-22T12:00:00Z"),
  spanMs: 5 * 86_400_000,
});

function runServe(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ["src/cli/main.ts", "serve", ...args], {
    env: { ...process.env, ...env, LLMETER_DASHBOARD_TOKEN: env.LLMETER_DASHBOARD_TOKEN ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with the URL the command prints once it listens. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/\S+\/)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.once("exit", (code) =>
      reject(new Error(`serve exited with ${code} before listening: ${output}`)),
    );
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "llmeter-serve-"));
  ledger = join(directory, "usage.db");
  const store = createSqliteStore(ledger);
  await store.append(events);
  await store.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("llmeter serve", () => {
  it("serves the ledger on loopback until it is stopped", async () => {
    const child = runServe(["--db", ledger, "--port", "0", "--tz", "Asia/Kolkata"]);
    const done = exited(child);
    const url = await listeningUrl(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const report = (await (await fetch(`${url}api/report?groupBy=provider`)).json()) as UsageReport;
    expect(report.totals.totalRequests).toBe(events.length);
    expect(report.timeZone).toBe("Asia/Kolkata");
    expect((await fetch(url)).headers.get("content-type")).toMatch(/text\/html/);
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
  });

  it("refuses a public host without a token, and a port that is not one", async () => {
    const open = await exited(runServe(["--db", ledger, "--host", "0.0.0.0", "--port", "0"]));
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/--token/);
    const port = await exited(runServe(["--db", ledger, "--port", "http"]));
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port "http" is not a port/);
  });

  it("takes the token from LLMETER_DASHBOARD_TOKEN", async () => {
    const child = runServe(["--db", ledger, "--port", "0"], {
      LLMETER_DASHBOARD_TOKEN: "from-env",
    });
    const done = exited(child);
    const url = await listeningUrl(child);
    expect((await fetch(`${url}api/report`)).status).toBe(401);
    expect(
      (await fetch(`${url}api/report`, { headers: { Authorization: "Bearer from-env" } })).status,
    ).toBe(200);
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
  });

  it("says where the ledger is missing", async () => {
    const missing = await exited(runServe(["--db", join(directory, "nope.db"), "--port", "0"]));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No ledger at .*nope\.db/);
  });
});
