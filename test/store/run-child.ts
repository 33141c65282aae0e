import { spawn } from "node:child_process";
import { join } from "node:path";

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `test/store/fixtures/<script>` in a child Node process and resolves when it ends (a child
 * that never ends hangs the test until its timeout, which is what some tests check for).
 * `VITEST` is removed from its environment, so the meter in the child behaves as in an application.
 */
export function runChild(script: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "fixtures", script), ...args],
      {
        env: { ...process.env, VITEST: undefined, NODE_NO_WARNINGS: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
