import { PassThrough } from "node:stream";
import type { CliContext } from "../../src/cli/cli-context.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";

/** A stream that collects what a command writes, with a chosen TTY flag and width. */
function collector(isTTY: boolean, columns?: number) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    text += chunk;
  });
  stream.isTTY = isTTY;
  if (columns !== undefined) stream.columns = columns;
  return { stream, text: () => text };
}

/**
 * Runs the CLI in-process against `store` (kept open: close() is a no-op for the run), or with
 * `openStore`, against the ledgers it opens for the locations the CLI names.
 */
export async function runInProcess(
  argv: string[],
  options: {
    store?: UsageStore;
    openStore?: CliContext["openStore"];
    cwd: string;
    env?: NodeJS.ProcessEnv;
    tty?: boolean;
    columns?: number;
    nowMs?: number;
    answer?: boolean;
  },
): Promise<{ code: number; stdout: string; stderr: string; asked: string[] }> {
  const stdout = collector(options.tty === true, options.columns);
  const stderr = collector(options.tty === true, options.columns);
  const asked: string[] = [];
  const context: CliContext = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdinIsTTY: options.tty === true,
    env: options.env ?? {},
    cwd: options.cwd,
    now: () => options.nowMs ?? Date.parse("2026-11-22T12:00:00.000Z"),
    openStore:
      options.openStore ??
      (async () => {
        if (options.store === undefined) throw new Error("runInProcess needs store or openStore");
        return { ...options.store, close: async () => {} };
      }),
    confirm: async (question) => {
      asked.push(question);
      return options.answer === true;
    },
  };
  const code = await runCli(argv, context);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text(), asked };
}
