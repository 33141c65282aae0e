import { type Command, InvalidArgumentError } from "commander";
import {
  MOCK_FAILURE_KINDS,
  type MockFailureKind,
  MockProviderOptionError,
  type MockProviderOptions,
  type MockReportedCost,
  parseMockFailureKind,
} from "../../testing/mock-provider-options.ts";
import { type MockProvider, startMockProvider } from "../../testing/start-mock-provider.ts";
import type { CliOutput } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";

/** The port `llmeter mock-provider` listens on unless `--port` says otherwise. */
export const DEFAULT_MOCK_PROVIDER_PORT = 8790;

/** Where the command writes and what ends it; tests pass their own. */
export interface MockProviderCommandIo {
  stdout: CliOutput;
  /** Resolves when the server should stop; default: SIGINT or SIGTERM. */
  waitForStop: (provider: MockProvider) => Promise<void>;
}

interface MockProviderFlags {
  port: number;
  host: string;
  latency?: number;
  ttft?: number;
  chunkDelay?: number;
  chunks?: number;
  replyWords?: number;
  reasoningTokens?: number;
  cachedShare?: number;
  fail?: MockFailureKind;
  failTimes?: number;
  deployment?: Record<string, string>;
  reportCost?: MockReportedCost;
  json?: boolean;
}

/**
 * `llmeter mock-provider`: runs the loopback mock provider (OpenAI, Anthropic and Gemini wire
 * formats) in the foreground and prints the base URLs to point the SDKs at.
 */
export function registerMockProviderCommand(
  program: Command,
  io: Partial<MockProviderCommandIo> = {},
): void {
  program
    .command("mock-provider")
    .description(
      "run a local mock LLM provider (OpenAI, Anthropic, Gemini APIs) with deterministic usage",
    )
    .option(
      "--port <port>",
      "TCP port; 0 picks any free port",
      portNumber,
      DEFAULT_MOCK_PROVIDER_PORT,
    )
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--latency <ms>", "delay before each response (or stream headers)", milliseconds)
    .option("--ttft <ms>", "streams: delay before the first content chunk", milliseconds)
    .option("--chunk-delay <ms>", "streams: delay between content chunks", milliseconds)
    .option("--chunks <n>", "streams: number of content chunks (default 8)", wholeNumber(1))
    .option("--reply-words <n>", "words (output tokens) per reply (default 16)", wholeNumber(1))
    .option(
      "--reasoning-tokens <n>",
      "reasoning tokens of reasoning models (default 32)",
      wholeNumber(0),
    )
    .option("--cached-share <share>", "0..1: share of prompt tokens reported as cached", share)
    .option(
      "--fail <kind>",
      "inject a failure: 429, 500, broken-stream, stream-error, ...",
      failureKind,
    )
    .option(
      "--fail-times <n>",
      "how many requests fail with --fail: a number (default 1) or all",
      failTimes,
    )
    .option(
      "--deployment <name=model>",
      "Azure OpenAI: the model a deployment reports (repeatable)",
      deploymentMapping,
    )
    .option(
      "--report-cost <format:input:output>",
      'OpenAI routes report each call\'s cost as xAI or OpenRouter do, at USD per million tokens (e.g. "xai:3:15")',
      reportedCost,
    )
    .option("--json", "print the URLs as one JSON line")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  llmeter mock-provider",
        "  llmeter mock-provider --port 0 --ttft 300 --chunk-delay 20 --chunks 50",
        "  llmeter mock-provider --fail 429 --fail-times 3",
        "",
        "Per request, send the header `x-mock-fail: 429|500|broken-stream|stream-error` to inject a failure.",
      ].join("\n"),
    )
    .action(async (flags: MockProviderFlags) => {
      const stdout = io.stdout ?? process.stdout;
      const waitForStop = io.waitForStop ?? waitForSignal;
      const provider = await start(optionsFromFlags(flags));
      try {
        stdout.write(describe(provider, flags.json === true));
        await waitForStop(provider);
      } finally {
        await provider.close();
      }
    });
}

function optionsFromFlags(flags: MockProviderFlags): MockProviderOptions {
  if (flags.failTimes !== undefined && flags.fail === undefined) {
    throw new CliUsageError(
      "--fail-times needs --fail <kind> (for example --fail 429 --fail-times 3).",
    );
  }
  const options: MockProviderOptions = { port: flags.port, host: flags.host };
  if (flags.latency !== undefined) options.latencyMs = flags.latency;
  if (flags.ttft !== undefined) options.timeToFirstTokenMs = flags.ttft;
  if (flags.chunkDelay !== undefined) options.chunkDelayMs = flags.chunkDelay;
  if (flags.chunks !== undefined) options.chunks = flags.chunks;
  if (flags.replyWords !== undefined) options.replyWords = flags.replyWords;
  if (flags.reasoningTokens !== undefined) options.reasoningTokens = flags.reasoningTokens;
  if (flags.cachedShare !== undefined) options.cachedShare = flags.cachedShare;
  if (flags.deployment !== undefined) options.deployments = flags.deployment;
  if (flags.reportCost !== undefined) options.reportedCost = flags.reportCost;
  if (flags.fail !== undefined)
    options.failure = { status: flags.fail, times: flags.failTimes ?? 1 };
  return options;
}

async function start(options: MockProviderOptions): Promise<MockProvider> {
  try {
    return await startMockProvider(options);
  } catch (error) {
    if (error instanceof MockProviderOptionError) throw new CliUsageError(error.message);
    // Port taken, host not available: the message already says what and how to fix it.
    throw new CliError((error as Error).message);
  }
}

function describe(provider: MockProvider, json: boolean): string {
  if (json) {
    return `${JSON.stringify({
      schemaVersion: 1,
      url: provider.url,
      openaiBaseUrl: provider.openaiBaseUrl,
      anthropicBaseUrl: provider.anthropicBaseUrl,
      geminiBaseUrl: provider.geminiBaseUrl,
    })}\n`;
  }
  return [
    `llmeter mock provider listening on ${provider.url}`,
    "",
    `  OpenAI     new OpenAI({ baseURL: "${provider.openaiBaseUrl}", apiKey: "test" })`,
    `             OPENAI_BASE_URL=${provider.openaiBaseUrl}`,
    `  Anthropic  new Anthropic({ baseURL: "${provider.anthropicBaseUrl}", apiKey: "test" })`,
    `             ANTHROPIC_BASE_URL=${provider.anthropicBaseUrl}`,
    `  Gemini     new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: "${provider.geminiBaseUrl}" } })`,
    `  Azure      new AzureOpenAI({ endpoint: "${provider.url}", apiKey: "test", apiVersion: "2024-10-21" })`,
    "",
    "Press Ctrl+C to stop.",
    "",
  ].join("\n");
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** `xai:3:15` or `openrouter:0.15:0.6`: whose cost field, and the USD prices per million tokens. */
function reportedCost(value: string): MockReportedCost {
  const [format, input, output, ...rest] = value.split(":");
  const inputPerMillion = Number(input);
  const outputPerMillion = Number(output);
  if (
    (format !== "xai" && format !== "openrouter") ||
    rest.length > 0 ||
    input === undefined ||
    output === undefined ||
    input.trim() === "" ||
    output.trim() === "" ||
    !(inputPerMillion >= 0 && Number.isFinite(inputPerMillion)) ||
    !(outputPerMillion >= 0 && Number.isFinite(outputPerMillion))
  ) {
    throw new InvalidArgumentError(
      'expected <xai|openrouter>:<input USD per 1M tokens>:<output USD per 1M tokens>, such as "xai:3:15".',
    );
  }
  return { format, inputPerMillion, outputPerMillion };
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535.");
  }
  return port;
}

function milliseconds(value: string): number {
  const ms = Number(value);
  if (value.trim() === "" || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError("expected a number of milliseconds >= 0, such as 250.");
  }
  return ms;
}

function wholeNumber(min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min) {
      throw new InvalidArgumentError(`expected a whole number >= ${min}.`);
    }
    return number;
  };
}

function share(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !(number >= 0 && number <= 1)) {
    throw new InvalidArgumentError("expected a share from 0 to 1, such as 0.5.");
  }
  return number;
}

function failureKind(value: string): MockFailureKind {
  const kind = parseMockFailureKind(value);
  if (kind === undefined) {
    throw new InvalidArgumentError(`expected one of ${MOCK_FAILURE_KINDS.join(", ")}.`);
  }
  return kind;
}

function failTimes(value: string): number {
  if (value === "all") return Number.POSITIVE_INFINITY;
  return wholeNumber(1)(value);
}

function deploymentMapping(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const separator = value.indexOf("=");
  if (separator <= 0 || separator === value.length - 1) {
    throw new InvalidArgumentError("expected name=model, such as prod-chat=gpt-4o-2024-08-06.");
  }
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}
