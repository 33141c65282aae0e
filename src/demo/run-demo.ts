import { resolve } from "node:path";
import { buildUsageReport } from "../cli/build-usage-report.ts";
import { CliError } from "../cli/cli-errors.ts";
import { layoutFor, toJsonText } from "../cli/format/text-layout.ts";
import { formatUsageReport } from "../cli/format/usage-report-text.ts";
import type { Environment } from "../config/environment.ts";
import { resolveConfig } from "../config/resolve-config.ts";
import { createMeter } from "../meter/create-meter.ts";
import { localTimeZone } from "../stats/time-buckets.ts";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import { startMockProvider } from "../testing/index.ts";
import type { DemoEndpoints } from "./workload.ts";

/** The SDKs the demo drives; optional peers of llmeter, so an app may have none of them. */
const DEMO_SDKS = ["openai", "@anthropic-ai/sdk", "@google/genai"];

export interface DemoOptions {
  rounds: number;
  json: boolean;
  /** Use the mock provider even where an API key is set. */
  mockOnly: boolean;
  /** Ledger location; default: the `db` setting (`.llmeter/usage.db`). */
  db?: string;
}

/**
 * The README's first command: a mixed workload through the real OpenAI, Anthropic and Gemini SDK
 * clients, recorded into the embedded ledger, then the usage report of this run read back from it.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const missing = DEMO_SDKS.filter((name) => !isInstalled(name));
  if (missing.length > 0) {
    throw new CliError(
      `llmeter demo drives the real SDK clients, and ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } not installed. Install ${missing.length === 1 ? "it" : "them"} next to llmeter: npm install ${missing.join(" ")}`,
    );
  }
  // Loaded only now: the workload imports the SDKs.
  const { createDemoClients, runDemoWorkload } = await import("./workload.ts");
  const env = process.env;
  const mock = await startMockProvider({
    latencyMs: 20,
    timeToFirstTokenMs: 60,
    chunkDelayMs: 4,
    cachedShare: 0.25,
  });
  const endpoints = demoEndpoints(mock, env, options.mockOnly);
  const ledgerPath = resolve(options.db ?? resolveConfig().values.db);
  const meter = createMeter({ ledger: ledgerPath });
  const startedAt = Date.now();
  const sessionPrefix = `demo-${new Date(startedAt).toISOString().slice(0, 19).replace(/[-:T]/g, "")}`;
  try {
    const clients = createDemoClients(meter, endpoints);
    await runDemoWorkload(meter, clients, {
      rounds: options.rounds,
      mockFailures: !endpoints.openai.real,
      sessionPrefix,
    });
  } finally {
    await meter.shutdown();
    await mock.close();
  }

  // Read this run back from the ledger, as `llmeter usage show --since <start>` would.
  const store = createSqliteStore(ledgerPath);
  try {
    const timeZone = localTimeZone();
    const report = await buildUsageReport(
      store,
      {
        filter: { sinceMs: startedAt },
        period: { name: "custom", since: new Date(startedAt).toISOString() },
        filters: {},
        timeZone,
      },
      "model",
    );
    if (options.json) {
      process.stdout.write(toJsonText(report));
      return;
    }
    const real = Object.entries(endpoints)
      .filter(([, endpoint]) => endpoint.real)
      .map(([name]) => name);
    process.stdout.write(
      `llmeter demo: ${report.totals.totalRequests} calls through the real SDK clients against ${
        real.length === 0
          ? "the bundled mock provider"
          : `the real ${real.join(", ")} API (others: mock provider)`
      }, recorded in ${ledgerPath}\n\n`,
    );
    process.stdout.write(formatUsageReport(report, layoutFor({ stdout: process.stdout, env })));
    process.stdout.write(
      `\nSessions: ${sessionPrefix}-acme, ${sessionPrefix}-globex. Everything in the ledger: llmeter usage show --db ${ledgerPath}\n`,
    );
  } finally {
    await store.close();
  }
}

/** The mock provider for every provider, except those whose API key is set (unless mock-only). */
function demoEndpoints(
  mock: { openaiBaseUrl: string; anthropicBaseUrl: string; geminiBaseUrl: string },
  env: Environment,
  mockOnly: boolean,
): DemoEndpoints {
  const openaiKey = mockOnly ? undefined : env.OPENAI_API_KEY;
  const anthropicKey = mockOnly ? undefined : env.ANTHROPIC_API_KEY;
  const geminiKey = mockOnly ? undefined : (env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY);
  return {
    openai: openaiKey
      ? { apiKey: openaiKey, real: true }
      : { apiKey: "mock", baseURL: mock.openaiBaseUrl, real: false },
    anthropic: anthropicKey
      ? { apiKey: anthropicKey, real: true }
      : { apiKey: "mock", baseURL: mock.anthropicBaseUrl, real: false },
    gemini: geminiKey
      ? { apiKey: geminiKey, real: true }
      : { apiKey: "mock", baseUrl: mock.geminiBaseUrl, real: false },
  };
}

/** Whether `name` resolves from here, as the workload's import of it would. */
function isInstalled(name: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}
