// Privacy: a recognizable secret prompt and API key go through every provider integration (real
// SDKs against the loopback mock provider, plain and streamed calls) with the SQLite ledger and
// OpenTelemetry on; then every output is searched for them: the ledger files on disk, the events
// the sinks received, diagnostics, console output, spans, logs, metrics and the CLI exports.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createOtelInstrumentation } from "../../src/otel/index.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import {
  createOtelTestKit,
  installContextManager,
  type OtelTestKit,
} from "../otel/otel-test-kit.ts";
import { captureConsole, findIn, folderFiles } from "./leak-search.ts";

const SECRET_PROMPT = "PROMPT-CANARY-7f3a9c1e the launch code is swordfish";
const SECRET_KEY = "sk-KEYCANARY-91b2d4e6f8a0c2e4";
const CANARIES = ["PROMPT-CANARY-7f3a9c1e", "swordfish", "KEYCANARY-91b2d4e6f8a0c2e4"];

const folder = mkdtempSync(join(tmpdir(), "llmeter-secret-"));
const ledgerPath = join(folder, "ledger", "usage.db");
let mock: MockProvider;
let kit: OtelTestKit;
let removeContextManager: () => void;
let meter: Meter;
const events: UsageEvent[] = [];
const diagnostics: string[] = [];
let consoleLines: string[] = [];

function findCanaries(where: string, text: string): string[] {
  return findIn(CANARIES, where, text);
}

beforeAll(async () => {
  removeContextManager = installContextManager();
  kit = createOtelTestKit();
  mock = await startMockProvider({ chunks: 4 });
  consoleLines = captureConsole();
  meter = createMeter({
    ledger: ledgerPath,
    configContext: { env: {}, cwd: folder },
    sinks: [(event) => events.push(event)],
    diagnostics: (level, message, detail) => {
      diagnostics.push(
        `${level} ${message} ${detail instanceof Error ? `${detail.message} ${detail.stack}` : (JSON.stringify(detail) ?? "")}`,
      );
    },
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        meterProvider: kit.meterProvider,
        loggerProvider: kit.loggerProvider,
      }),
    ],
  });
  const messages = [{ role: "user" as const, content: SECRET_PROMPT }];

  const openai = instrumentOpenAI(
    new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: SECRET_KEY, maxRetries: 0 }),
    { meter },
  );
  await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
  const openaiStream = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _ of openaiStream) {
    // drain
  }
  await openai.embeddings.create({ model: "text-embedding-3-small", input: SECRET_PROMPT });
  await openai.responses.create({ model: "gpt-4o-mini", input: SECRET_PROMPT });

  const anthropic = instrumentAnthropic(
    new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: SECRET_KEY, maxRetries: 0 }),
    { meter },
  );
  await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages });
  const anthropicStream = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    messages,
    stream: true,
  });
  for await (const _ of anthropicStream) {
    // drain
  }

  const google = instrumentGoogleGenAI(
    new GoogleGenAI({ apiKey: SECRET_KEY, httpOptions: { baseUrl: mock.geminiBaseUrl } }),
    { meter },
  );
  await google.models.generateContent({ model: "gemini-2.5-flash", contents: SECRET_PROMPT });
  for await (const _ of await google.models.generateContentStream({
    model: "gemini-2.5-flash",
    contents: SECRET_PROMPT,
  })) {
    // drain
  }
  await meter.flush();
});

afterAll(async () => {
  await meter.shutdown();
  await kit.shutdown();
  await mock.close();
  removeContextManager();
  vi.restoreAllMocks();
});

describe("secrets never leave the application", () => {
  it("the secrets really were sent to the provider (the test is not vacuous)", () => {
    const wire = JSON.stringify(
      mock.requests.map((request) => ({
        body: request.body,
        headers: (request as { headers?: unknown }).headers,
      })),
    );
    expect(wire).toContain("PROMPT-CANARY-7f3a9c1e");
    expect(events.length).toBeGreaterThanOrEqual(8);
    expect(new Set(events.map((event) => event.provider))).toEqual(
      new Set(["openai", "anthropic", "google"]),
    );
  });

  it("are not in the events sinks receive, diagnostics or console output", () => {
    expect([
      ...findCanaries("sink events", JSON.stringify(events)),
      ...findCanaries("diagnostics", diagnostics.join("\n")),
      ...findCanaries("console", consoleLines.join("\n")),
    ]).toEqual([]);
  });

  it("are not in spans, logs or metrics", async () => {
    const spans = kit.spans.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    const spanText = JSON.stringify(
      spans.map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
        resource: span.resource.attributes,
      })),
    );
    const logText = JSON.stringify(
      kit.logs
        .getFinishedLogRecords()
        .map((record) => ({ body: record.body, attributes: record.attributes })),
    );
    const metricText = JSON.stringify(await kit.collectMetrics());
    expect([
      ...findCanaries("spans", spanText),
      ...findCanaries("logs", logText),
      ...findCanaries("metrics", metricText),
    ]).toEqual([]);
  });

  it("are not in the ledger files on disk", () => {
    const { names, text } = folderFiles(join(folder, "ledger"));
    expect(names).toContain("usage.db");
    const found = findCanaries("ledger files", text);
    expect(found).toEqual([]);
  });

  it("are not in the CLI's json, jsonl and csv exports", async () => {
    const store = createSqliteStore(ledgerPath);
    try {
      const found: string[] = [];
      for (const format of ["json", "jsonl", "csv"]) {
        const result = await runInProcess(
          ["usage", "export", "--format", format, "--period", "all"],
          { store, cwd: folder, env: { LLMETER_DB: ledgerPath } },
        );
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(result.stdout.length).toBeGreaterThan(0);
        found.push(...findCanaries(`export ${format}`, result.stdout + result.stderr));
      }
      const report = await runInProcess(["report", "--period", "all", "--json"], {
        store,
        cwd: folder,
        env: { LLMETER_DB: ledgerPath },
      });
      found.push(...findCanaries("report --json", report.stdout + report.stderr));
      expect(found).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
