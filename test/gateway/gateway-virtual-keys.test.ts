// Virtual keys end to end: keys made with `llmeter keys create|rotate|revoke` on a SQLite ledger,
// real SDK clients sending them where the provider key goes, the gateway in front of the loopback
// mock provider swapping in the real key, and the refusals (401, 429) answered before anything
// reaches the provider.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI, { AzureOpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseVirtualKey } from "../../src/gateway/virtual-keys/virtual-key-secret.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createOtelInstrumentation } from "../../src/otel/index.ts";
import { openStore } from "../../src/store/open-store.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import { createOtelTestKit } from "../otel/otel-test-kit.ts";
import { type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

// What the gateway holds: the real provider keys, from its environment.
const PROVIDER_KEYS = {
  OPENAI_API_KEY: "sk-proj-REALopenaiKEY0123456789abcdef",
  ANTHROPIC_API_KEY: "sk-ant-api03-REALanthropicKEY0123456789",
  GEMINI_API_KEY: "AIzaREALgeminiKEY0123456789abcdefghij",
};

// A key in no known format: only the gateway naming it as a secret keeps it out.
const GROQ_API_KEY = "groqREALproviderKEY0123456789abcdefghij";

const chat = {
  model: "gpt-4o-mini",
  max_tokens: 16,
  messages: [{ role: "user" as const, content: "Hello through a virtual key." }],
};

let cwd: string;
let ledgerPath: string;
let rig: GatewayRig | undefined;
let accessLog: string[];

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "llmeter-keys-"));
  ledgerPath = join(cwd, "usage.db");
  accessLog = [];
});

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Runs `llmeter <argv> --db <ledger>` in-process on the real ledger. */
async function cli(argv: string[]) {
  const result = await runInProcess([...argv, "--db", ledgerPath], {
    cwd,
    openStore: (location) => openStore(location),
    nowMs: Date.now(),
  });
  if (result.code !== 0) throw new Error(`llmeter ${argv.join(" ")}: ${result.stderr}`);
  return result;
}

/** `llmeter keys create ... --json`: the key's id and its secret, shown this once. */
async function createKey(...flags: string[]): Promise<{ id: string; secret: string }> {
  const { stdout } = await cli(["keys", "create", ...flags, "--json"]);
  const created = JSON.parse(stdout) as { key: { id: string }; secret: string };
  return { id: created.key.id, secret: created.secret };
}

async function startGateway(
  options: Parameters<typeof startGatewayRig>[1] = {},
  mockOptions: Parameters<typeof startGatewayRig>[0] = { chunks: 2 },
) {
  rig = await startGatewayRig(mockOptions, {
    ledger: ledgerPath,
    configContext: { env: PROVIDER_KEYS, cwd },
    accessLog: (entry) => {
      accessLog.push(JSON.stringify(entry));
    },
    ...options,
  });
  return rig;
}

function openai(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${rig?.gateway.url}/openai/v1`, apiKey, maxRetries: 0 });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The status, headers and error body of a raw request through the gateway. */
async function send(path: string, init: RequestInit) {
  const response = await fetch(`${rig?.gateway.url}${path}`, init);
  const body = (await response.json()) as { error: { message: string; type: string } };
  return { status: response.status, headers: response.headers, body };
}

describe("virtual keys through the gateway", () => {
  it("an OpenAI client's virtual key is swapped for the real key and attributes the call", async () => {
    const key = await createKey("--tenant", "acme", "--user", "u1", "--name", "web");
    await startGateway();
    const completion = await openai(key.secret).chat.completions.create(chat);
    expect(completion.choices[0]?.message.content).toBeTruthy();

    // The provider saw the real key, as a bearer token, and never the virtual one.
    expect(rig?.upstream.requests).toHaveLength(1);
    expect(rig?.upstream.requests[0]?.credential).toEqual({
      via: "authorization",
      sha256: sha256(PROVIDER_KEYS.OPENAI_API_KEY),
    });
    const [event] = (await rig?.ledgerEvents()) ?? [];
    expect(event).toMatchObject({
      provider: "openai",
      tenantId: "acme",
      userId: "u1",
      attributes: { virtualKey: key.id },
      success: true,
    });
    expect(JSON.parse(accessLog[0] ?? "{}")).toMatchObject({
      status: 200,
      outcome: "forwarded",
      virtualKey: key.id,
    });
  });

  it("Anthropic and Gemini clients send it in their own header, and each style works raw too", async () => {
    const key = await createKey("--tenant", "acme");
    await startGateway();
    const url = rig?.gateway.url;
    const anthropic = new Anthropic({
      baseURL: `${url}/anthropic`,
      apiKey: key.secret,
      maxRetries: 0,
    });
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(message.type).toBe("message");
    const gemini = new GoogleGenAI({
      apiKey: key.secret,
      httpOptions: { baseUrl: `${url}/gemini` },
    });
    const answer = await gemini.models.generateContent({
      model: "gemini-2.5-flash",
      contents: "Hello",
    });
    expect(answer.text).toBeTruthy();

    const body = JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] });
    const json = { "content-type": "application/json" };
    const raw = [
      await send("/anthropic/v1/messages", {
        method: "POST",
        headers: { ...json, "x-api-key": key.secret, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 8,
          messages: [{ role: "user", content: "Hi" }],
        }),
      }),
      await send("/gemini/v1beta/models/gemini-2.5-flash:generateContent", {
        method: "POST",
        headers: { ...json, "x-goog-api-key": key.secret },
        body,
      }),
      await send(`/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key.secret}`, {
        method: "POST",
        headers: json,
        body,
      }),
    ];
    expect(raw.map((response) => response.status)).toEqual([200, 200, 200]);

    const received = rig?.upstream.requests.map((request) => request.credential) ?? [];
    const anthropicKey = { via: "x-api-key", sha256: sha256(PROVIDER_KEYS.ANTHROPIC_API_KEY) };
    const geminiKey = { via: "x-goog-api-key", sha256: sha256(PROVIDER_KEYS.GEMINI_API_KEY) };
    expect(received).toEqual([anthropicKey, geminiKey, anthropicKey, geminiKey, geminiKey]);
    // The `?key=` does not travel on to the provider.
    expect(rig?.upstream.requests[4]?.path).not.toContain("key=");
    const events = (await rig?.ledgerEvents()) ?? [];
    const attributed = ["anthropic", "google", "anthropic", "google", "google"].map((provider) => ({
      provider,
      tenantId: "acme",
      attributes: { virtualKey: key.id },
    }));
    expect(
      events.map(({ provider, tenantId, attributes }) => ({ provider, tenantId, attributes })),
    ).toEqual(attributed);
  });

  it("an AzureOpenAI client sends it as api-key, and the Azure key goes upstream the same way", async () => {
    const key = await createKey("--tenant", "acme");
    await startGateway(
      { configContext: { env: { AZURE_OPENAI_API_KEY: "azure-REAL-key-0123456789abcdef" }, cwd } },
      { deployments: { "prod-chat": "gpt-4o-2024-08-06" } },
    );
    const azure = new AzureOpenAI({
      baseURL: `${rig?.gateway.url}/azure/openai`,
      apiKey: key.secret,
      apiVersion: "2024-10-21",
      deployment: "prod-chat",
      maxRetries: 0,
    });
    await azure.chat.completions.create({
      model: "prod-chat",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(rig?.upstream.requests[0]?.credential).toEqual({
      via: "api-key",
      sha256: sha256("azure-REAL-key-0123456789abcdef"),
    });
    // A route without a key of its own answers virtual keys with what to set.
    const unconfigured = await openai(key.secret)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(unconfigured).toBeInstanceOf(OpenAI.InternalServerError);
    expect((unconfigured as Error).message).toContain("Set OPENAI_API_KEY");
    expect(rig?.upstream.requests).toHaveLength(1);
  });

  it("a revoked key gets 401 and reaches nothing", async () => {
    const key = await createKey("--tenant", "acme");
    await startGateway();
    await openai(key.secret).chat.completions.create(chat);
    expect((await cli(["keys", "revoke", key.id])).stdout).toContain(`${key.id} revoked`);

    const refused = await openai(key.secret)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain(
      "revoked",
    );
    expect(rig?.upstream.requests).toHaveLength(1);
    const listed = JSON.parse((await cli(["keys", "list", "--json"])).stdout);
    expect(listed.keys[0]).toMatchObject({ id: key.id, tenantId: "acme" });
    expect(listed.keys[0].revokedAt).toBeDefined();
  });

  it("a rotated key: the old secret gets 401, the new one works with the same id and owner", async () => {
    const key = await createKey("--tenant", "acme", "--user", "u1");
    await startGateway();
    const rotated = JSON.parse((await cli(["keys", "rotate", key.id, "--json"])).stdout);
    expect(rotated.key.id).toBe(key.id);
    expect(rotated.secret).not.toBe(key.secret);

    const old = await openai(key.secret)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(old).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(rig?.upstream.requests).toHaveLength(0);
    await openai(rotated.secret).chat.completions.create(chat);
    expect(rig?.upstream.requests).toHaveLength(1);
    const [event] = (await rig?.ledgerEvents()) ?? [];
    expect(event).toMatchObject({
      tenantId: "acme",
      userId: "u1",
      attributes: { virtualKey: key.id },
    });
  });

  it("a key over its daily limit gets 429 in the provider's shape before any upstream request", async () => {
    // gpt-4o output is $10 per million tokens (src/pricing catalog): the mock's 1,000-word answer
    // costs about $0.01, and the next call, reserved at its 1,000 max tokens, would pass $0.015.
    const key = await createKey("--tenant", "acme", "--limit-usd", "0.015", "--window", "day");
    await startGateway({}, { replyWords: 1000 });
    const request = {
      model: "gpt-4o",
      max_tokens: 1000,
      messages: [{ role: "user" as const, content: "Write a thousand words." }],
    };
    await openai(key.secret).chat.completions.create(request);
    await rig?.gateway.meter.flush();
    const before = rig?.upstream.requests.length;
    expect(before).toBe(1);

    const refused = await send("/openai/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-should-retry")).toBe("false");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.body.error).toMatchObject({
      type: "insufficient_quota",
      code: "budget_exceeded",
    });
    const message = refused.body.error.message;
    expect(message).toContain(`budget "key:${key.id}" (virtualKey=${key.id}, day) is exhausted`);
    expect(message).toMatch(/spent \$0\.01\d+ .* of its \$0\.0150 limit/);
    expect(message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    expect(rig?.upstream.requests.length).toBe(before);
    // The key's budget is an ordinary budget: `llmeter budget check` shows its spend.
    const budgets = JSON.parse((await cli(["budget", "check", "--json"])).stdout);
    expect(budgets.budgets[0]).toMatchObject({ id: `key:${key.id}`, limitUsd: 0.015 });
  });

  it("a key over its rate limit gets 429 with Retry-After", async () => {
    const key = await createKey("--tenant", "acme", "--rate-limit", "2/min");
    await startGateway();
    const client = openai(key.secret);
    await client.chat.completions.create(chat);
    await client.chat.completions.create(chat);
    const refused = await client.chat.completions.create(chat).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as InstanceType<typeof OpenAI.RateLimitError>).headers;
    const retryAfter = Number(headers?.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((refused as Error).message).toContain("2 requests per minute");
    expect(rig?.upstream.requests).toHaveLength(2);
  });

  it("once keys exist, a provider key is refused unless pass-through is allowed", async () => {
    await createKey("--tenant", "acme");
    await startGateway();
    const own = await openai("sk-client-own-key-0123456789")
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(own).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((own as Error).message).toContain("needs a virtual key");
    const unknown = await openai(`llm-vk_aaaaaaaaaaaa-${"x".repeat(43)}`)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(rig?.upstream.requests).toHaveLength(0);
    await rig?.close();

    await startGateway({ allowPassThrough: true });
    await openai("sk-client-own-key-0123456789").chat.completions.create(chat);
    expect(rig?.upstream.requests[0]?.credential?.sha256).toBe(
      sha256("sk-client-own-key-0123456789"),
    );
  });

  it("without any key the gateway passes the client's own key through", async () => {
    await startGateway();
    await openai("sk-client-own-key-0123456789").chat.completions.create(chat);
    expect(rig?.upstream.requests[0]?.credential?.sha256).toBe(
      sha256("sk-client-own-key-0123456789"),
    );
  });

  it("a limited key created after a budget-less gateway started is refused (503), never unbounded", async () => {
    await startGateway();
    const limited = await createKey("--tenant", "acme", "--limit-usd", "1");
    const unlimited = await createKey("--tenant", "acme");
    const refused = await openai(limited.secret)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect((refused as Error).message).toContain("Restart the gateway");
    expect(rig?.upstream.requests).toHaveLength(0);
    // A key without a limit needs no budget: it works at once.
    await openai(unlimited.secret).chat.completions.create(chat);
    expect(rig?.upstream.requests).toHaveLength(1);
  });

  it("a key limited to one provider gets 403 elsewhere", async () => {
    const key = await createKey("--provider", "anthropic");
    await startGateway();
    const refused = await openai(key.secret)
      .chat.completions.create(chat)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(rig?.upstream.requests).toHaveLength(0);
  });
});

describe("where the keys never appear", () => {
  let collector: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => collector?.close(resolve) ?? resolve(undefined));
    collector = undefined;
  });

  it("the ledger file, the access log, spans, logs and every export format hold neither key", async () => {
    const key = await createKey("--tenant", "acme", "--user", "u1", "--limit-usd", "5");
    const rotated = JSON.parse((await cli(["keys", "rotate", key.id, "--json"])).stdout) as {
      secret: string;
    };
    const kit = createOtelTestKit();
    const meter = createMeter({
      ledger: ledgerPath,
      instrumentations: [
        createOtelInstrumentation({
          tracerProvider: kit.tracerProvider,
          meterProvider: kit.meterProvider,
          loggerProvider: kit.loggerProvider,
        }),
      ],
      diagnostics: () => {},
      configContext: { env: {}, cwd },
    });
    // A provider that echoes the key it received in its 401 (OpenAI's error shape, unmasked: the
    // worst case): the recorded error message must not keep it.
    const echo = createServer((request, response) => {
      request.resume();
      const key = String(request.headers.authorization).replace(/^Bearer /, "");
      response.writeHead(401, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${key}.`,
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`;
    await startGateway({
      meter,
      providers: { groq: { baseUrl: echoUrl } },
      configContext: { env: { ...PROVIDER_KEYS, GROQ_API_KEY }, cwd },
    });
    const groq = new OpenAI({
      baseURL: `${rig?.gateway.url}/groq/v1`,
      apiKey: rotated.secret,
      maxRetries: 0,
    });
    const echoed = await groq.chat.completions
      .create({ ...chat, model: "llama-3.3-70b-versatile" })
      .catch((error: unknown) => error);
    expect(echoed).toBeInstanceOf(OpenAI.AuthenticationError);
    echo.close();
    const client = openai(rotated.secret);
    await client.chat.completions.create(chat);
    await client.chat.completions.create({ ...chat, stream: true }).then(async (stream) => {
      for await (const _ of stream);
    });
    // A provider error is recorded with its message: the keys must not ride along in it.
    await client.chat.completions
      .create(chat, { headers: { "x-mock-fail": "401" } })
      .catch(() => {});
    await openai(key.secret)
      .chat.completions.create(chat)
      .catch(() => {});
    expect(rig?.upstream.requests).toHaveLength(3);
    await meter.flush();
    const events = (await rig?.ledgerEvents()) ?? [];
    expect(events.find((event) => event.provider === "groq")?.errorMessage).toContain(
      "Incorrect API key provided",
    );
    await rig?.close();
    rig = undefined;
    await meter.shutdown();

    const secrets = [
      PROVIDER_KEYS.OPENAI_API_KEY,
      GROQ_API_KEY,
      rotated.secret,
      parseVirtualKey(rotated.secret)!.secret,
      key.secret,
      parseVirtualKey(key.secret)!.secret,
    ];
    const places: Record<string, string> = {
      "access log": accessLog.join("\n"),
      spans: JSON.stringify(
        kit.spans.getFinishedSpans().map((span) => ({
          name: span.name,
          attributes: span.attributes,
          events: span.events,
          status: span.status,
        })),
      ),
      logs: JSON.stringify(
        kit.logs.getFinishedLogRecords().map((record) => ({
          body: record.body,
          attributes: record.attributes,
        })),
      ),
    };
    expect(kit.spans.getFinishedSpans().length).toBeGreaterThanOrEqual(3);
    for (const file of readdirSync(cwd).filter((name) => name.startsWith("usage.db")))
      places[`ledger ${file}`] = readFileSync(join(cwd, file)).toString("latin1");
    for (const format of ["json", "jsonl", "csv", "focus"]) {
      const output = join(cwd, `export.${format}`);
      await cli(["usage", "export", "--format", format, "--output", output]);
      places[`export ${format}`] = readFileSync(output, "utf8");
    }
    const received: Buffer[] = [];
    collector = createServer((request, response) => {
      request.on("data", (part: Buffer) => received.push(part));
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => collector?.listen(0, "127.0.0.1", resolve));
    const port = (collector.address() as AddressInfo).port;
    for (const protocol of ["http/json", "http/protobuf"])
      await cli([
        "usage",
        "export",
        "--format",
        "otlp",
        "--endpoint",
        `http://127.0.0.1:${port}`,
        "--protocol",
        protocol,
      ]);
    places["export otlp"] = Buffer.concat(received).toString("latin1");

    expect(places["export jsonl"]).toContain(key.id);
    expect(places["export otlp"]).toContain("acme");
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets)
        expect(text.includes(secret), `${place} holds ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
