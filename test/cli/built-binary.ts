import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The package's `bin`. */
export const BINARY = join(ROOT, "dist", "cli", "main.js");

function newestSourceMs(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is older than src/ (`npm test` builds first, so this is for running one
 * test file by hand). Other engineers' unfinished files may fail the typecheck; tsc still emits,
 * and what matters here is that the CLI's files are there.
 */
export function ensureBuilt(): void {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= newestSourceMs(join(ROOT, "src"))) return;
  try {
    execFileSync(
      "flock",
      ["/tmp/llmeter-build.lock", join(ROOT, "node_modules/.bin/tsc"), "-p", "tsconfig.build.json"],
      { cwd: ROOT, stdio: "pipe" },
    );
  } catch (error) {
    if (!existsSync(BINARY)) throw error;
  }
}

/** What a run of the binary printed and returned. */
export interface BinaryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `llmeter` as a user would: a child process with piped output (not a TTY), a
 * clean environment (no LLMETER_* leaking in from the developer's shell) and UTC as local zone.
 */
export function runBinary(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<BinaryResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARY, ...args],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH, HOME: options.cwd, TZ: "UTC", ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
