// llmeter as a user meets it: the packed package (`npm pack`) installed from the registry into a
// fresh app, first with no optional peer, then next to the current SDK majors. Its CLI, subpath
// exports and `.d.ts` are used from there, in CommonJS and ESM apps, never from this repository.
//
// Needs dist/ (`npm test` builds before it runs) and the npm registry (or npm's cache).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider } from "../../src/testing/index.ts";
import { finishedSpans } from "../otlp-in/sdk-spans.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  peerDependencies: Record<string, string>;
};
/** The repository's Node 24 (the machine's own may be older than llmeter's `engines`). */
const node = process.execPath;
const typescript = join(repository, "node_modules", "typescript", "bin", "tsc");
const SDK_PEERS = ["openai@latest", "@anthropic-ai/sdk@latest", "@google/genai@latest"];
const FRAMEWORK_PEERS = [
  "ai@latest",
  "@ai-sdk/openai@latest",
  "@langchain/core@latest",
  "@langchain/openai@latest",
];
const SERVICE_PEERS = [
  "@opentelemetry/api@latest",
  "@opentelemetry/sdk-trace@latest",
  "@opentelemetry/sdk-metrics@latest",
  "@opentelemetry/sdk-logs@latest",
  "@opentelemetry/resources@latest",
  "prom-client@latest",
  "pg@latest",
  "pg-copy-streams@latest",
];

let work: string;
let app: string;
let tarball: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function execute(
  file: string,
  args: string[],
  cwd = app,
  env: Record<string, string> = {},
): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: { ...process.env, NO_COLOR: "1", LLMETER_CONFIG: "none", CI: undefined, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === "number" ? failure.code : 1,
      stdout: failure.stdout ?? "",
      stderr: failure.stderr ?? String(error),
    };
  }
}

/** `llmeter ...` through the bin link npm made in the app. */
function llmeter(...args: string[]): Promise<Outcome> {
  return execute(node, [join(app, "node_modules", ".bin", "llmeter"), ...args]);
}

async function npmInstall(...packages: string[]): Promise<Outcome> {
  // No --legacy-peer-deps: the peer ranges must take what users install today.
  const flags = ["install", "--no-audit", "--no-fund"];
  const cached = await execute("npm", [...flags, "--prefer-offline", ...packages]);
  if (cached.code === 0) return cached;
  // A cold or half-filled npm cache on CI once resolved a package as `@langchain/core@undefined`
  // (ERESOLVE) though its range held; fresh registry metadata settles that. A real peer conflict
  // fails this second try too, and its report names both tries.
  const fresh = await execute("npm", [...flags, "--prefer-online", ...packages]);
  return fresh.code === 0
    ? fresh
    : { ...fresh, stderr: `${cached.stderr}\n-- again with --prefer-online --\n${fresh.stderr}` };
}

/** The subcommands a `--help` text lists under "Commands:". */
function commandsIn(help: string): string[] {
  const section = help.split("Commands:")[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((match) => match[1] ?? "")
    .filter((name) => name !== "help");
}

/** `llmeter`, `llmeter/openai`, ...: every module the package exports. */
function subpathSpecifiers(): string[] {
  return (
    Object.keys(manifest.exports)
      // package.json is data (an import needs `with { type: "json" }`), not a module.
      .filter((subpath) => subpath !== "./package.json")
      .map((subpath) => (subpath === "." ? "llmeter" : `llmeter/${subpath.slice(2)}`))
  );
}

/** `node -e` code that loads `specifier` as an ESM app and as a CommonJS app would. */
function loaders(specifier: string): Array<[flag: string, code: string]> {
  return [
    ["--input-type=module", `await import(${JSON.stringify(specifier)})`],
    ["--input-type=commonjs", `require(${JSON.stringify(specifier)})`],
  ];
}

/** Starts a long-running CLI command and resolves with the first URL it prints. */
function startServer(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(node, [join(app, "node_modules", ".bin", "llmeter"), ...args], {
    cwd: app,
    env: { ...process.env, NO_COLOR: "1", LLMETER_CONFIG: "none" },
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (url !== undefined) resolve({ child, url });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`llmeter ${args[0]} exited (${code}): ${output}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** A consumer project that type-checks against the installed `.d.ts` with `skipLibCheck: false`. */
function writeConsumer(
  name: string,
  kind: "commonjs" | "esm",
  source: string,
  types: string[],
): string {
  const directory = join(app, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, "package.json"),
    JSON.stringify({ name, private: true, ...(kind === "esm" ? { type: "module" } : {}) }),
  );
  const module =
    kind === "commonjs"
      ? { module: "nodenext", moduleResolution: "nodenext" }
      : { module: "esnext", moduleResolution: "bundler" };
  writeFileSync(
    join(directory, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        ...module,
        // No `lib`: the default (the target's library and the DOM's), which the SDKs' own
        // typings need for fetch's types when @types/node is absent.
        target: "es2022",
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types,
      },
      files: ["app.ts"],
    }),
  );
  writeFileSync(join(directory, "app.ts"), source);
  return directory;
}

function typeCheck(directory: string): Promise<Outcome> {
  return execute(node, [typescript, "-p", directory]);
}

const CORE_CONSUMER = `import { createMeter, type UsageEvent } from "llmeter";

const meter = createMeter({ ledger: false });
export async function main(): Promise<number> {
  const answer = await meter.track({ provider: "openai", model: "gpt-4o-mini" }, async (tracker) => {
    tracker.setTokens({ inputTokens: 10, outputTokens: 2 });
    return 42;
  });
  const events: UsageEvent[] = [];
  return answer + events.length + meter.getStats({ period: "24h" }).totalRequests;
}
`;

/** Each wrapper takes the client the app holds and gives back the same type. */
function sdkConsumer(withGoogle: boolean): string {
  return `import OpenAI, { AzureOpenAI } from "openai";
import Anthropic from "@anthropic-ai/sdk";
${withGoogle ? 'import { GoogleGenAI } from "@google/genai";\n' : ""}import { createMeter } from "llmeter";
import { instrumentOpenAI } from "llmeter/openai";
import { instrumentAnthropic } from "llmeter/anthropic";
${withGoogle ? 'import { instrumentGoogleGenAI } from "llmeter/google";\n' : ""}
const meter = createMeter({ ledger: false });
export const openai: OpenAI = instrumentOpenAI(new OpenAI({ apiKey: "k" }), { meter });
export const azure: AzureOpenAI = instrumentOpenAI(
  new AzureOpenAI({ apiKey: "k", endpoint: "https://x.openai.azure.com", apiVersion: "2024-10-21" }),
);
export const anthropic: Anthropic = instrumentAnthropic(new Anthropic({ apiKey: "k" }), { meter });
${withGoogle ? 'export const gemini: GoogleGenAI = instrumentGoogleGenAI(new GoogleGenAI({ apiKey: "k" }));\n' : ""}`;
}

beforeAll(async () => {
  if (!existsSync(join(repository, "dist", "index.js")))
    throw new Error("dist/ is missing: run `npm run build` first (`npm test` does).");
  work = mkdtempSync(join(tmpdir(), "llmeter-installed-"));
  const packed = await execute("npm", ["pack", "--pack-destination", work], repository);
  expect(packed.code, packed.stderr).toBe(0);
  tarball = join(work, packed.stdout.trim().split("\n").at(-1) ?? "");
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "fresh-app", private: true }));
  const installed = await npmInstall(tarball);
  expect(installed.code, installed.stderr).toBe(0);
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("installed alone, with no optional peer", () => {
  it("brings no provider SDK, framework, OpenTelemetry or database package", () => {
    for (const peer of Object.keys(manifest.peerDependencies))
      expect(existsSync(join(app, "node_modules", peer)), peer).toBe(false);
  });

  it("keeps its undici inside llmeter, where the SDKs' types cannot find it", () => {
    // openai's and Anthropic's .d.ts probe node_modules/undici; a hoisted undici makes an app
    // without @types/node fail to type-check (decision 0052).
    expect(existsSync(join(app, "node_modules", "llmeter", "node_modules", "undici"))).toBe(true);
    expect(existsSync(join(app, "node_modules", "undici"))).toBe(false);
  });

  it("answers --help for every command and subcommand, loading no optional SDK", async () => {
    const top = await llmeter("--help");
    expect(top.code, top.stderr).toBe(0);
    const commands = commandsIn(top.stdout);
    expect(commands).toEqual(expect.arrayContaining(["usage", "report", "budget", "demo"]));
    for (const command of commands) {
      const help = await llmeter(command, "--help");
      expect(help.code, `${command}: ${help.stderr}`).toBe(0);
      for (const subcommand of commandsIn(help.stdout)) {
        const inner = await llmeter(command, subcommand, "--help");
        expect(inner.code, `${command} ${subcommand}: ${inner.stderr}`).toBe(0);
        expect(inner.stderr).not.toContain("ERR_MODULE_NOT_FOUND");
      }
    }
  });

  it("prices show, list and cost answer from the bundled catalog", async () => {
    const show = await llmeter("prices", "show", "gpt-4o");
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain("openai/gpt-4o");
    const list = await llmeter("prices", "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain("claude");
    const cost = await llmeter(
      "prices",
      "cost",
      "gpt-4o",
      "--input",
      "1000000",
      "--output",
      "0",
      "--json",
    );
    expect(cost.code, cost.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(cost.stdout))).toContain("2.5");
  });

  it("ships the Grafana dashboard file and prints the same with grafana dashboard", async () => {
    const file = join(app, "node_modules", "llmeter", "grafana", "llmeter-dashboard.json");
    const printed = await llmeter("grafana", "dashboard");
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(readFileSync(file, "utf8"));
    expect(JSON.parse(printed.stdout)).toMatchObject({ uid: "llmeter" });
  });

  it("imports, shows, lists, exports, reports and checks budgets on a small ledger", async () => {
    const events = [
      { provider: "openai", model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 300 },
      { provider: "anthropic", model: "claude-sonnet-4-5", inputTokens: 800, outputTokens: 90 },
    ].map((event, index) => ({
      ...event,
      id: `first-contact-${index}`,
      timestamp: new Date(Date.now() - 60_000 * (index + 1)).toISOString(),
      kind: "llm",
      operation: "chat",
      success: true,
      tenantId: "acme",
      sessionId: "s-1",
    }));
    const file = join(app, "events.jsonl");
    writeFileSync(file, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
    const db = join(app, "ledger.db");
    const imported = await llmeter("usage", "import", file, "--db", db);
    expect(imported.code, imported.stderr).toBe(0);

    const show = await llmeter("usage", "show", "--db", db, "--json");
    expect(show.code, show.stderr).toBe(0);
    expect(
      (JSON.parse(show.stdout) as { totals: { totalRequests: number } }).totals.totalRequests,
    ).toBe(2);
    for (const args of [
      ["usage", "list", "--db", db],
      ["usage", "export", "--db", db, "--format", "csv"],
      ["report", "daily", "--db", db],
      ["budget", "check", "--db", db],
    ]) {
      const outcome = await llmeter(...args);
      expect(outcome.code, `${args.join(" ")}: ${outcome.stderr}`).toBe(0);
    }
    const exported = await llmeter("usage", "export", "--db", db, "--format", "csv");
    expect(exported.stdout).toContain("gpt-4o-mini");
  });

  it("serve, mock-provider and gateway start and answer", async () => {
    const db = join(app, "ledger.db");
    const dashboard = await startServer(["serve", "--port", "0", "--db", db]);
    try {
      expect((await fetch(dashboard.url)).status).toBe(200);
    } finally {
      await stop(dashboard.child);
    }
    const mock = await startServer(["mock-provider", "--port", "0"]);
    try {
      const response = await fetch(`${mock.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
      });
      const body = (await response.json()) as { usage?: { prompt_tokens?: number } };
      expect(body.usage?.prompt_tokens).toBeGreaterThan(0);

      // The gateway forwards to the mock through its bundled undici and meters into the ledger.
      const gatewayDb = join(app, "gateway.db");
      const gateway = await startServer([
        "gateway",
        ...["--port", "0", "--db", gatewayDb, "--openai-base-url", `${mock.url}/v1`],
      ]);
      try {
        const through = await fetch(`${gateway.url}/openai/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer k" },
          body: JSON.stringify({
            model: "gpt-4o-mini",
            messages: [{ role: "user", content: "Hi" }],
          }),
        });
        expect(through.status).toBe(200);
        expect(((await through.json()) as typeof body).usage?.prompt_tokens).toBe(
          body.usage?.prompt_tokens,
        );
        // Its OTLP receiver decodes protobuf with the installed @bufbuild/protobuf.
        const spans = await finishedSpans([
          {
            name: "chat gpt-4o-mini",
            attributes: {
              "gen_ai.provider.name": "openai",
              "gen_ai.request.model": "gpt-4o-mini",
              "gen_ai.usage.input_tokens": 12,
            },
          },
        ]);
        const traces = await fetch(`${gateway.url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body: ProtobufTraceSerializer.serializeRequest(spans)!,
        });
        expect(traces.status).toBe(200);
      } finally {
        await stop(gateway.child);
      }
      const recorded = await llmeter("usage", "show", "--db", gatewayDb, "--json");
      expect(recorded.code, recorded.stderr).toBe(0);
      expect(
        (JSON.parse(recorded.stdout) as { totals: { totalRequests: number } }).totals.totalRequests,
      ).toBe(2);
    } finally {
      await stop(mock.child);
    }
  });

  it("demo says which SDKs to install and exits non-zero, without a stack trace", async () => {
    const demo = await llmeter("demo", "--db", join(app, "demo.db"));
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain("npm install openai @anthropic-ai/sdk @google/genai");
    expect(demo.stderr).not.toMatch(/^\s+at /m);
  });

  it("every subpath loads, or fails with one error naming the package to install", async () => {
    const peers = Object.keys(manifest.peerDependencies);
    for (const specifier of subpathSpecifiers()) {
      for (const [flag, load] of loaders(specifier)) {
        const outcome = await execute(node, [flag, "-e", load]);
        if (outcome.code === 0) continue;
        const missing = /Cannot find (?:package|module) '([^']+)'/.exec(outcome.stderr)?.[1];
        expect(missing, `${specifier} (${flag}): ${outcome.stderr}`).toBeDefined();
        expect(peers, `${specifier} needs ${missing}, which is not a declared peer`).toContain(
          missing,
        );
      }
    }
  });

  it("llmeter/auto starts in an app with no SDK installed, from --import and --require", async () => {
    for (const flag of ["--import", "--require"]) {
      const outcome = await execute(
        node,
        [flag, "llmeter/auto", "-e", "console.log('app ran')"],
        app,
        {
          LLMETER_DB: join(app, "auto-alone.db"),
        },
      );
      expect(outcome.code, `${flag}: ${outcome.stderr}`).toBe(0);
      expect(outcome.stdout).toBe("app ran\n");
      expect(outcome.stderr).toBe("");
    }
  });

  it("the core's types compile without @types/node, in CommonJS and ESM apps", async () => {
    expect(existsSync(join(app, "node_modules", "@types", "node"))).toBe(false);
    for (const kind of ["commonjs", "esm"] as const) {
      const directory = writeConsumer(`core-${kind}`, kind, CORE_CONSUMER, []);
      const checked = await typeCheck(directory);
      expect(checked.code, `${kind}: ${checked.stdout}${checked.stderr}`).toBe(0);
    }
  });
});

describe("next to the current SDK majors", () => {
  beforeAll(async () => {
    // openai and Anthropic first: neither brings @types/node, so their consumers are checked
    // without it; @google/genai does (through protobufjs).
    const sdks = await npmInstall(...SDK_PEERS.slice(0, 2));
    expect(sdks.code, sdks.stderr).toBe(0);
  }, 180_000);

  it("the wrappers take the client the app holds, without @types/node", async () => {
    expect(existsSync(join(app, "node_modules", "@types", "node"))).toBe(false);
    for (const kind of ["commonjs", "esm"] as const) {
      const directory = writeConsumer(`sdk-${kind}`, kind, sdkConsumer(false), []);
      const checked = await typeCheck(directory);
      expect(checked.code, `${kind}: ${checked.stdout}${checked.stderr}`).toBe(0);
    }
  });

  it("installs beside every current SDK and framework major without --legacy-peer-deps", async () => {
    const all = await npmInstall(...SDK_PEERS, ...FRAMEWORK_PEERS, ...SERVICE_PEERS);
    expect(all.code, all.stderr).toBe(0);
  }, 180_000);

  it("then every subpath loads, from ESM and from CommonJS", async () => {
    for (const specifier of subpathSpecifiers()) {
      for (const [flag, load] of loaders(specifier)) {
        const outcome = await execute(node, [flag, "-e", load]);
        expect(outcome.code, `${specifier} (${flag}): ${outcome.stderr}`).toBe(0);
      }
    }
  });

  it("the wrappers take each SDK's client in CommonJS and ESM apps, with @types/node", async () => {
    for (const kind of ["commonjs", "esm"] as const) {
      const directory = writeConsumer(`sdk-node-${kind}`, kind, sdkConsumer(true), ["node"]);
      const checked = await typeCheck(directory);
      expect(checked.code, `${kind}: ${checked.stdout}${checked.stderr}`).toBe(0);
    }
  });

  it("records each SDK's call against the mock provider, from ESM and from CommonJS", async () => {
    const script = (kind: "esm" | "commonjs") => `
${
  kind === "esm"
    ? `import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { createMeter } from "llmeter";
import { instrumentOpenAI } from "llmeter/openai";
import { instrumentAnthropic } from "llmeter/anthropic";
import { instrumentGoogleGenAI } from "llmeter/google";
import { startMockProvider } from "llmeter/testing";`
    : `const OpenAI = require("openai");
const Anthropic = require("@anthropic-ai/sdk");
const { GoogleGenAI } = require("@google/genai");
const { createMeter } = require("llmeter");
const { instrumentOpenAI } = require("llmeter/openai");
const { instrumentAnthropic } = require("llmeter/anthropic");
const { instrumentGoogleGenAI } = require("llmeter/google");
const { startMockProvider } = require("llmeter/testing");`
}
async function main() {
  const mock = await startMockProvider();
  const events = [];
  const meter = createMeter({ ledger: false, sinks: [(event) => events.push(event)] });
  const openai = instrumentOpenAI(new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "k" }), { meter });
  const anthropic = instrumentAnthropic(new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "k" }), { meter });
  const gemini = instrumentGoogleGenAI(new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: mock.geminiBaseUrl } }), { meter });
  const chat = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
  const message = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 32, messages: [{ role: "user", content: "Hi" }] });
  const generated = await gemini.models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" });
  await meter.shutdown();
  await mock.close();
  console.log(JSON.stringify({
    reported: [
      [chat.usage.prompt_tokens, chat.usage.completion_tokens],
      [message.usage.input_tokens, message.usage.output_tokens],
      [generated.usageMetadata.promptTokenCount, generated.usageMetadata.candidatesTokenCount + (generated.usageMetadata.thoughtsTokenCount ?? 0)],
    ],
    recorded: events.map((event) => [event.provider, event.inputTokens, event.outputTokens]),
  }));
}
main();
`;
    for (const kind of ["esm", "commonjs"] as const) {
      const file = join(app, kind === "esm" ? "calls.mjs" : "calls.cjs");
      writeFileSync(file, script(kind));
      const outcome = await execute(node, [file]);
      expect(outcome.code, `${kind}: ${outcome.stderr}`).toBe(0);
      const { reported, recorded } = JSON.parse(outcome.stdout) as {
        reported: number[][];
        recorded: Array<[string, number, number]>;
      };
      expect(recorded.map(([provider]) => provider)).toEqual(["openai", "anthropic", "google"]);
      expect(recorded.map(([, input, output]) => [input, output])).toEqual(reported);
    }
  });

  it("records the plain SDK clients of an unchanged app under llmeter/auto and llmeter run", async () => {
    // The same app the auto tests run from the repository: it knows nothing of llmeter.
    const fixtures = join(repository, "test", "auto", "fixtures");
    for (const name of ["sdk-calls.mjs", "sdk-calls.cjs"])
      writeFileSync(join(app, name), readFileSync(join(fixtures, name)));
    const mock = await startMockProvider();
    try {
      const ways: Array<[string, string[]]> = [
        ["--import", [node, "--import", "llmeter/auto", "sdk-calls.mjs"]],
        ["--require", [node, "--require", "llmeter/auto", "sdk-calls.cjs"]],
        [
          "llmeter run",
          [node, join(app, "node_modules", ".bin", "llmeter"), "run", "--", node, "sdk-calls.mjs"],
        ],
      ];
      for (const [way, [file, ...args]] of ways) {
        const db = join(app, `auto-${way.replace(/\W/g, "")}.db`);
        const outcome = await execute(file as string, args, app, {
          MOCK_URL: mock.url,
          LLMETER_DB: db,
        });
        expect(outcome.code, `${way}: ${outcome.stderr}`).toBe(0);
        expect(outcome.stdout, way).toContain("gemini stream");
        const shown = await llmeter("usage", "show", "--db", db, "--json");
        expect(shown.code, shown.stderr).toBe(0);
        const totals = (
          JSON.parse(shown.stdout) as {
            totals: { totalRequests: number; totalInputTokens: number; streamingRequests: number };
          }
        ).totals;
        // Two calls per SDK (plain and streamed), each recorded once with the provider's usage.
        expect(totals.totalRequests, way).toBe(6);
        expect(totals.streamingRequests, way).toBe(3);
        expect(totals.totalInputTokens, way).toBeGreaterThan(0);
      }
    } finally {
      await mock.close();
    }
  });

  it("records LangChain and AI SDK calls through their subpaths", async () => {
    const file = join(app, "frameworks.mjs");
    writeFileSync(
      file,
      `import { ChatOpenAI } from "@langchain/openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, wrapLanguageModel } from "ai";
import { createMeter } from "llmeter";
import { LlmeterCallbackHandler } from "llmeter/langchain";
import { llmeterMiddleware } from "llmeter/ai-sdk";
import { startMockProvider } from "llmeter/testing";

const mock = await startMockProvider();
const events = [];
const meter = createMeter({ ledger: false, sinks: [(event) => events.push(event)] });
const chat = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "k", configuration: { baseURL: mock.openaiBaseUrl }, callbacks: [new LlmeterCallbackHandler({ meter })] });
await chat.invoke("Hi");
const openai = createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "k" });
await generateText({ model: wrapLanguageModel({ model: openai.chat("gpt-4o-mini"), middleware: llmeterMiddleware({ meter }) }), prompt: "Hi" });
await meter.shutdown();
await mock.close();
console.log(JSON.stringify(events.map((event) => [event.provider, event.inputTokens > 0])));
`,
    );
    const outcome = await execute(node, [file]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toEqual([
      ["openai", true],
      ["openai", true],
    ]);
  });
});
