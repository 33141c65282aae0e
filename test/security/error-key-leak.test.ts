// Providers echo the caller's key in their errors (OpenAI's 401: "Incorrect API key provided:
// sk-…"). A loopback server answers every call with each provider's real 401 or 403 body, the
// caller's key inside the message; the real SDKs call it through the integrations with the SQLite
// ledger, OpenTelemetry (spans and logs, content capture on) and the console diagnostics on. Then
// every output is searched for the keys: ledger files, sink events, spans, logs, diagnostics,
// console, the CLI's exports (json, jsonl, csv written to files) and its tables.
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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
import { consoleDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createOtelInstrumentation } from "../../src/otel/index.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import {
  createOtelTestKit,
  installContextManager,
  type OtelTestKit,
} from "../otel/otel-test-kit.ts";
import { captureConsole, findIn, folderFiles } from "./leak-search.ts";

// Keys in each provider's real format, and one (a company gateway's) in no known format: only the
// client's own configured key can find that one.
const OPENAI_KEY = "sk-live-Q7mT2vX9pL4rN8cK1yH6wB3dF5gJ0sA";
const ANTHROPIC_KEY = "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-9aBcDeAA";
const GOOGLE_KEY = "AIzaSyB1x2C3v4B5n6M7q8W9e0R1t2Y3u4I5o6P";
const GATEWAY_KEY = "corpgw.7f3a9c1e5b2d8f4a6c0e";
const KEYS = [OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, GATEWAY_KEY];

/** The key the request carried, in the header each SDK sends it in. */
function keyOf(request: IncomingMessage): string {
  const bearer = request.headers.authorization?.replace(/^Bearer /, "");
  const key = request.headers["x-api-key"] ?? request.headers["x-goog-api-key"] ?? bearer;
  return String(key);
}

let status: 401 | 403 = 401;

/**
 * Each provider's error body, field for field from its API reference, with the key in the message:
 * - OpenAI (platform.openai.com/docs/guides/error-codes): `{ error: { message, type, param, code } }`;
 * - Anthropic (docs.claude.com/en/api/errors): `{ type: "error", error: { type, message }, request_id }`;
 * - Gemini (ai.google.dev/gemini-api/docs/troubleshooting): `{ error: { code, message, status, details } }`.
 */
function errorBody(path: string, key: string): object {
  if (path.startsWith("/openai/")) {
    return status === 401
      ? {
          error: {
            message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        }
      : {
          error: {
            code: "unsupported_country_region_territory",
            message: `Country, region, or territory not supported (key ${key})`,
            param: null,
            type: "request_forbidden",
          },
        };
  }
  if (path.startsWith("/anthropic/")) {
    return {
      type: "error",
      error:
        status === 401
          ? { type: "authentication_error", message: `invalid x-api-key: ${key}` }
          : {
              type: "permission_error",
              message: `Your API key ${key} does not have permission to use the specified resource.`,
            },
      request_id: "req_011CSHoEeqs5C35K2UUqR7Fy",
    };
  }
  const message =
    status === 401
      ? `API key not valid. Please pass a valid API key. (${key})`
      : `Method doesn't allow unregistered callers (callers without established identity). Please use API Key ${key} or other form of API consumer identity to call this API.`;
  return {
    error: {
      code: status === 401 ? 400 : 403,
      message,
      status: status === 401 ? "INVALID_ARGUMENT" : "PERMISSION_DENIED",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: status === 401 ? "API_KEY_INVALID" : "SERVICE_DISABLED",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
        { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message },
      ],
    },
  };
}

const received: string[] = [];

function answer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  request.on("end", () => {
    const path = request.url ?? "/";
    const key = keyOf(request);
    received.push(key);
    const body = errorBody(path, key);
    // Gemini's invalid key answers 400 (INVALID_ARGUMENT), the others the status itself.
    const code = path.startsWith("/gemini/") && status === 401 ? 400 : status;
    response.writeHead(code, {
      "content-type": "application/json",
      "x-request-id": "req_8d1e2f3a4b5c6d7e",
      "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy",
    });
    response.end(JSON.stringify(body));
  });
}

const folder = mkdtempSync(join(tmpdir(), "llmeter-error-key-"));
const ledgerPath = join(folder, "ledger", "usage.db");
let server: Server;
let kit: OtelTestKit;
let removeContextManager: () => void;
let meter: Meter;
const events: UsageEvent[] = [];
const diagnostics: string[] = [];
let consoleLines: string[] = [];
const errors: unknown[] = [];

function findKeys(where: string, text: string): string[] {
  return findIn(KEYS, where, text);
}

async function failing(call: () => Promise<unknown>): Promise<void> {
  try {
    const result = await call();
    // A stream fails when it is read (Gemini's) or when it is created (the others).
    if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) {
        // drain
      }
    }
    throw new Error("the call was expected to fail");
  } catch (error) {
    errors.push(error);
  }
}

async function callEveryProvider(base: string): Promise<void> {
  const messages = [{ role: "user" as const, content: "hello" }];
  for (const [apiKey, path] of [
    [OPENAI_KEY, "openai"],
    [GATEWAY_KEY, "openai"],
  ] as const) {
    const openai = instrumentOpenAI(
      new OpenAI({ baseURL: `${base}/${path}/v1`, apiKey, maxRetries: 0 }),
      { meter, provider: "openai" },
    );
    await failing(() => openai.chat.completions.create({ model: "gpt-4o-mini", messages }));
    await failing(() =>
      openai.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    );
    await failing(() =>
      openai.embeddings.create({ model: "text-embedding-3-small", input: "hello" }),
    );
    await failing(() => openai.responses.create({ model: "gpt-4o-mini", input: "hello" }));
  }
  const anthropic = instrumentAnthropic(
    new Anthropic({ baseURL: `${base}/anthropic`, apiKey: ANTHROPIC_KEY, maxRetries: 0 }),
    { meter },
  );
  const body = { model: "claude-sonnet-4-5", max_tokens: 64, messages };
  await failing(() => anthropic.messages.create(body));
  await failing(() => anthropic.messages.create({ ...body, stream: true }));
  const google = instrumentGoogleGenAI(
    new GoogleGenAI({
      apiKey: GOOGLE_KEY,
      httpOptions: { baseUrl: `${base}/gemini`, retryOptions: { attempts: 1 } },
    }),
    { meter },
  );
  await failing(() =>
    google.models.generateContent({ model: "gemini-2.5-flash", contents: "hello" }),
  );
  await failing(() =>
    google.models.generateContentStream({ model: "gemini-2.5-flash", contents: "hello" }),
  );
  await failing(() =>
    google.models.embedContent({ model: "gemini-embedding-001", contents: "hello" }),
  );
}

const CALLS_PER_ROUND = 13;

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  removeContextManager = installContextManager();
  kit = createOtelTestKit();
  consoleLines = captureConsole();
  meter = createMeter({
    ledger: ledgerPath,
    configContext: { env: {}, cwd: folder },
    sinks: [(event) => events.push(event)],
    diagnostics: (level, message, detail) => {
      diagnostics.push(`${level} ${message} ${detail instanceof Error ? detail.stack : detail}`);
      consoleDiagnostics(level, message, detail);
    },
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        meterProvider: kit.meterProvider,
        loggerProvider: kit.loggerProvider,
        // Content capture puts the error message on the span: it must be the redacted one.
        captureContent: true,
      }),
    ],
  });
  for (const round of [401, 403] as const) {
    status = round;
    await callEveryProvider(base);
  }
  await meter.flush();
}, 60_000);

afterAll(async () => {
  await meter.shutdown();
  await kit.shutdown();
  await new Promise((resolve) => server.close(resolve));
  removeContextManager();
  vi.restoreAllMocks();
});

describe("keys echoed in provider errors never leave the call", () => {
  it("the keys really came back in the errors the SDKs raised (the test is not vacuous)", () => {
    expect(errors).toHaveLength(2 * CALLS_PER_ROUND);
    expect(new Set(received)).toEqual(new Set(KEYS));
    const messages = errors.map((error) => (error as Error).message).join("\n");
    for (const key of KEYS) expect(messages).toContain(key);
    expect(events).toHaveLength(2 * CALLS_PER_ROUND);
  });

  it("keeps the provider's error type, code and HTTP status as fields, and a redacted message", () => {
    const byProvider = (provider: string, httpStatus: number) =>
      events.find((event) => event.provider === provider && event.httpStatus === httpStatus);
    expect(byProvider("openai", 401)).toMatchObject({
      success: false,
      errorType: "AuthenticationError",
      providerErrorType: "invalid_request_error",
      errorCode: "invalid_api_key",
      errorMessage: expect.stringContaining("Incorrect API key provided: [REDACTED]."),
    });
    expect(byProvider("openai", 403)).toMatchObject({
      errorType: "PermissionDeniedError",
      providerErrorType: "request_forbidden",
      errorCode: "unsupported_country_region_territory",
    });
    expect(byProvider("anthropic", 401)).toMatchObject({
      errorType: "AuthenticationError",
      providerErrorType: "authentication_error",
      errorMessage: expect.stringContaining("invalid x-api-key: [REDACTED]"),
    });
    expect(byProvider("anthropic", 403)).toMatchObject({ providerErrorType: "permission_error" });
    expect(byProvider("google", 400)).toMatchObject({
      errorType: "ApiError",
      errorCode: "INVALID_ARGUMENT",
      errorMessage: expect.stringContaining("Please pass a valid API key. ([REDACTED])"),
    });
    expect(byProvider("google", 403)).toMatchObject({ errorCode: "PERMISSION_DENIED" });
  });

  it("are not in the events, diagnostics or console output", () => {
    expect([
      ...findKeys("sink events", JSON.stringify(events)),
      ...findKeys("diagnostics", diagnostics.join("\n")),
      ...findKeys("console", consoleLines.join("\n")),
    ]).toEqual([]);
  });

  it("are not in spans or log records", () => {
    const spans = kit.spans.getFinishedSpans();
    expect(spans).toHaveLength(2 * CALLS_PER_ROUND);
    const spanText = JSON.stringify(
      spans.map((span) => ({
        attributes: span.attributes,
        events: span.events,
        status: span.status,
      })),
    );
    // Not vacuous: the spans do carry the (redacted) messages.
    expect(spanText).toContain("Incorrect API key provided: [REDACTED]");
    const logText = JSON.stringify(
      kit.logs
        .getFinishedLogRecords()
        .map((record) => ({ body: record.body, attributes: record.attributes })),
    );
    expect([...findKeys("spans", spanText), ...findKeys("logs", logText)]).toEqual([]);
  });

  it("are not in the ledger files on disk", () => {
    const { names, text } = folderFiles(join(folder, "ledger"));
    expect(names).toContain("usage.db");
    expect(text).toContain("[REDACTED]");
    expect(findKeys("ledger", text)).toEqual([]);
  });

  it("are not in the CLI's export files, tables or reports", async () => {
    const store = createSqliteStore(ledgerPath);
    try {
      const found: string[] = [];
      const env = { LLMETER_DB: ledgerPath };
      for (const format of ["json", "jsonl", "csv"]) {
        const file = join(folder, `export.${format}`);
        const result = await runInProcess(
          ["usage", "export", "--format", format, "--period", "all", "--output", file],
          { store, cwd: folder, env },
        );
        expect(result.code).toBe(0);
        const written = readFileSync(file, "utf8");
        expect(written).toContain("invalid_api_key");
        found.push(...findKeys(`export ${format}`, written + result.stdout + result.stderr));
      }
      for (const argv of [
        ["usage", "show", "--period", "all"],
        ["usage", "list", "--period", "all", "--json"],
        ["report", "--period", "all", "--json"],
      ]) {
        const result = await runInProcess(argv, { store, cwd: folder, env });
        found.push(...findKeys(argv.join(" "), result.stdout + result.stderr));
      }
      expect(found).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
