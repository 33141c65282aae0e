import { createInterface } from "node:readline/promises";
import type { Environment } from "../config/environment.ts";
import type { UsageStore } from "../store/usage-store.ts";

/** Where a command writes: process.stdout in the binary, a collecting stream in tests. */
export interface CliOutput {
  write(text: string): boolean;
  once(event: "drain", listener: () => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything a command touches outside its arguments. The binary uses the process's; tests inject
 * their own streams, clock and store so commands run in-process too.
 */
export interface CliContext {
  stdout: CliOutput;
  stderr: CliOutput;
  stdinIsTTY: boolean;
  env: Environment;
  cwd: string;
  /** Milliseconds since the epoch; periods like `24h` end here. */
  now(): number;
  /** Opens the ledger at a SQLite path or a postgres:// URL. */
  openStore(location: string): Promise<UsageStore>;
  /** Asks a yes/no question on the terminal; only called when stdin is a TTY. */
  confirm(question: string): Promise<boolean>;
}

/** The context of the real process: its streams, environment, clock and the ledger opener. */
export function createProcessContext(
  openStore: (location: string) => Promise<UsageStore>,
): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    openStore,
    async confirm(question) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await prompt.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        prompt.close();
      }
    },
  };
}

/** Writes text and waits for the stream to drain when its buffer is full (large exports). */
export async function writeOut(output: CliOutput, text: string): Promise<void> {
  if (!output.write(text)) await new Promise<void>((resolve) => output.once("drain", resolve));
}
