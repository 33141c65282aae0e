// A real Prometheus (Debian's package, installed by .ci/setup/prometheus.sh) scraping one target
// every second, for tests that query its HTTP API. Gate the tests on `prometheusInstalled()`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandMissing, requireService } from "./require-service.ts";

const binary = process.env.LLMETER_PROMETHEUS_BIN ?? "prometheus";

/** Whether Prometheus can run here (throws under CI when it cannot: see requireService). */
export function prometheusInstalled(): boolean {
  return requireService({
    service: "Prometheus",
    missing: commandMissing(binary, ["--version"]),
    install:
      "sudo bash .ci/setup/prometheus.sh (Debian's prometheus), or set LLMETER_PROMETHEUS_BIN",
  });
}

/** One series of an instant query's answer. */
export interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** One series of a range vector: its samples as `[seconds, value]`. */
export interface MatrixResult {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface PrometheusProcess {
  url: string;
  /** An instant query, at `timeSeconds` when given; throws on an error answer. */
  query(expression: string, timeSeconds?: number): Promise<VectorResult[]>;
  /** The raw samples of a range selector such as `up[5m]`. */
  samples(selector: string): Promise<MatrixResult[]>;
  /** The values of `label` on the series matching `match`. */
  labelValues(label: string, match: string): Promise<string[]>;
  /** Polls until `accept` takes the answer; the deadline only guards against a hang. */
  waitFor(
    expression: string,
    accept?: (result: VectorResult[]) => boolean,
    deadlineMs?: number,
  ): Promise<VectorResult[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targetUrl` (its host and path) every second. */
export async function startPrometheus(targetUrl: string): Promise<PrometheusProcess> {
  const directory = mkdtempSync(join(tmpdir(), "llmeter-prometheus-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const target = new URL(targetUrl);
  writeFileSync(
    join(directory, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "scrape_configs:",
      "  - job_name: llmeter",
      `    metrics_path: ${target.pathname}`,
      "    static_configs:",
      `      - targets: ["${target.host}"]`,
      "",
    ].join("\n"),
  );
  let output = "";
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(directory, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(directory, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  }
  const process = {
    url,
    async query(expression: string, timeSeconds?: number) {
      const time = timeSeconds === undefined ? "" : `&time=${timeSeconds}`;
      const data = await api<{ resultType: string; result: VectorResult[] }>(
        `/api/v1/query?query=${encodeURIComponent(expression)}${time}`,
      );
      if (data.resultType !== "vector")
        throw new Error(`${expression} gave a ${data.resultType}, not an instant vector`);
      return data.result;
    },
    async samples(selector: string) {
      const data = await api<{ result: MatrixResult[] }>(
        `/api/v1/query?query=${encodeURIComponent(selector)}`,
      );
      return data.result;
    },
    labelValues: (label: string, match: string) =>
      api<string[]>(`/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}`),
    async waitFor(
      expression: string,
      accept = (result: VectorResult[]) => result.length > 0,
      deadlineMs = 30_000,
    ) {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const result = await process.query(expression).catch(() => []);
        if (accept(result)) return result;
        if (Date.now() > deadline)
          throw new Error(
            `Prometheus never answered ${expression} as expected; its output:\n${output}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return process;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
