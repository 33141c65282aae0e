/**
 * The processes of the gateway benchmark: the loopback mock upstream and each gateway run in
 * their own child process, so the load generator, the gateway and the upstream do not share an
 * event loop (as in a deployment). Each resolves once its port answers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const REPOSITORY = join(import.meta.dirname, "..", "..");
// The CLI from source by default; GATEWAY_BENCH_CLI=dist/cli/main.js measures the built one users run.
const CLI = process.env.GATEWAY_BENCH_CLI ?? join(REPOSITORY, "src", "cli", "main.ts");

export interface Child {
  process: ChildProcess;
  origin: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function waitForPort(origin: string, child: ChildProcess, output: () => string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited early:\n${output()}`);
    try {
      await fetch(origin, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${origin} did not answer in 30 s:\n${output()}`);
}

/** Starts `args` with this Node and waits until `port` answers HTTP. */
export async function startChild(args: string[], port: number, cwd = REPOSITORY): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForPort(origin, child, () => output);
  return {
    process: child,
    origin,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

export async function startMockUpstream(): Promise<Child> {
  const port = await freePort();
  return startChild([CLI, "mock-provider", "--port", String(port)], port);
}

/** Resident and peak resident memory of a child, in MB (Linux /proc). */
export function memoryMegabytes(child: Child): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${child.process.pid}/status`, "utf8");
  const kilobytes = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
  return { rssMb: kilobytes("VmRSS") / 1024, peakMb: kilobytes("VmHWM") / 1024 };
}

export const PATHS = { repository: REPOSITORY, cli: CLI };
