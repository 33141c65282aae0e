import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
/** llmeter/auto from the source: Node 24 runs the .ts files as they are. */
export const AUTO_ENTRY = fileURLToPath(new URL("../../src/auto/register.ts", import.meta.url));

export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `node <args>` in the fixtures folder with `env` over a clean LLMETER_* environment. */
export function startApp(args: string[], env: Record<string, string>): ChildProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("LLMETER_") && name !== "NODE_OPTIONS",
    ),
  );
  return spawn(process.execPath, args, { cwd: FIXTURES, env: { ...base, ...env }, stdio: "pipe" });
}

export function runApp(args: string[], env: Record<string, string>): Promise<AppRun> {
  const child = startApp(args, env);
  return finished(child);
}

export function finished(child: ChildProcess): Promise<AppRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface LedgerRow {
  provider: string;
  model: string;
  streaming: number;
  input_tokens: number;
  output_tokens: number;
  tenant_id: string | null;
  session_id: string | null;
}

/** Every event in the SQLite ledger at `path`, oldest first. */
export function ledgerRows(path: string): LedgerRow[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db
      .prepare(
        "SELECT provider, model, streaming, input_tokens, output_tokens, tenant_id, session_id FROM events ORDER BY ts_ms",
      )
      .all() as unknown as LedgerRow[];
  } finally {
    db.close();
  }
}

export function temporaryFolder(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "llmeter-auto-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The loopback mock provider and a scratch folder for one test file, both gone after it. */
export function mockAndFolder(): { readonly mock: MockProvider; readonly folder: string } {
  const folder = temporaryFolder();
  let mock: MockProvider | undefined;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(async () => {
    await mock?.close();
    folder.remove();
  });
  return {
    get mock() {
      if (mock === undefined) throw new Error("the mock provider starts in beforeAll");
      return mock;
    },
    folder: folder.path,
  };
}
