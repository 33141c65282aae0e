import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

const messages = [{ role: "user" as const, content: "Hello." }];
let rig: GatewayRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${rig?.gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...headers },
    body: JSON.stringify(body),
  });
}

describe("gateway faults", () => {
  it("a call over an enforced budget gets 429 in each provider's shape and never reaches the provider", async () => {
    rig = await startGatewayRig(
      {},
      {
        budgets: [
          {
            id: "acme-daily",
            scope: { tenantId: "acme" },
            window: "day",
            limitRequests: 1,
            enforce: true,
          },
        ],
      },
    );
    const client = new OpenAI({
      baseURL: `${rig.gateway.url}/openai/v1`,
      apiKey: "sk-test",
      defaultHeaders: { "x-llmeter-tenant": "acme" },
    });
    await client.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(rig.upstream.requests).toHaveLength(1);
    // The tenant header is llmeter's: the provider never sees it.
    expect(rig.upstream.requests[0]?.headers["x-llmeter-tenant"]).toBeUndefined();

    // The SDK's default retries are on: the gateway tells it not to retry a refusal.
    const refused = client.chat.completions.create({ model: "gpt-4o-mini", messages });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const error = (await refused.catch((caught: unknown) => caught)) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(error.status).toBe(429);
    // The first call's reservation may not be settled yet when the second arrives (the client
    // has its answer before the gateway's metering of it ends): then it is counted in flight.
    expect(error.message).toMatch(
      /budget "acme-daily" \(tenant acme, day\) is exhausted: spent (1 requests|0 requests \(\+ 1 requests in flight\))/,
    );
    expect(error.message).toMatch(/of its 1 requests limit/);
    expect(error.message).toMatch(/the window resets at \d{4}-\d\d-\d\dT/);
    expect(error.code).toBe("budget_exceeded");
    expect(error.type).toBe("insufficient_quota");

    const anthropic = await post(
      "/anthropic/v1/messages",
      { model: "claude-sonnet-4-5", max_tokens: 16, messages },
      { "x-llmeter-tenant": "acme" },
    );
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get("x-should-retry")).toBe("false");
    expect(Number(anthropic.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await anthropic.json()).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: expect.stringContaining("acme-daily") },
    });
    const gemini = await post(
      "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
      { contents: [{ role: "user", parts: [{ text: "Hello." }] }] },
      { "x-llmeter-tenant": "acme" },
    );
    expect(gemini.status).toBe(429);
    expect(await gemini.json()).toEqual({
      error: {
        code: 429,
        message: expect.stringContaining("acme-daily"),
        status: "RESOURCE_EXHAUSTED",
      },
    });
    expect(rig.upstream.requests).toHaveLength(1);

    // Another tenant's calls still go through.
    const other = await post(
      "/openai/v1/chat/completions",
      { model: "gpt-4o-mini", messages },
      { "x-llmeter-tenant": "globex" },
    );
    expect(other.status).toBe(200);
    expect(rig.upstream.requests).toHaveLength(2);
    const successes = (await rig.ledgerEvents()).filter((event) => event.success);
    expect(successes.map((event) => event.tenantId)).toEqual(["acme", "globex"]);
  });

  it("an upstream that is down gives 502 in the provider's shape, recorded as failed", async () => {
    rig = await startGatewayRig(
      {},
      { providers: { openai: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1` } } },
    );
    const client = new OpenAI({
      baseURL: `${rig.gateway.url}/openai/v1`,
      apiKey: "sk-test",
      maxRetries: 0,
    });
    const failing = client.chat.completions.create({ model: "gpt-4o-mini", messages });
    await expect(failing).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const raw = await post("/openai/v1/chat/completions", { model: "gpt-4o-mini", messages });
    expect(raw.status).toBe(502);
    expect(await raw.json()).toEqual({
      error: {
        message: expect.stringMatching(
          /openai at 127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)/,
        ),
        type: "server_error",
        param: null,
        code: "upstream_unavailable",
      },
    });
    const events = await rig.ledgerEvents();
    expect(events).toHaveLength(2);
    for (const event of events)
      expect(event).toMatchObject({
        success: false,
        errorType: "ECONNREFUSED",
        model: "gpt-4o-mini",
      });
  });

  it("a client that leaves mid-stream: recorded as aborted, with the usage seen so far", async () => {
    rig = await startGatewayRig({ chunks: 40, chunkDelayMs: 20 });
    const response = await post("/anthropic/v1/messages", {
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages,
      stream: true,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("content_block_delta")) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const started = JSON.parse(/data: (\{"type":"message_start".*)/.exec(text)?.[1] ?? "{}");
    let events = await rig.ledgerEvents();
    while (events.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events = await rig.ledgerEvents();
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      success: false,
      errorType: "AbortError",
      streaming: true,
      inputTokens: started.message.usage.input_tokens,
    });
    // The gateway let go of the provider's stream: it did not read it to the end.
    expect(rig.gateway.inFlight()).toBe(0);
  });

  it("a body over the size limit gets 413 in the provider's shape and is not forwarded", async () => {
    rig = await startGatewayRig({}, { maxRequestBytes: 64 });
    const response = await post("/openai/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x".repeat(200) }],
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: "request_too_large", type: "invalid_request_error" },
    });
    expect(rig.upstream.requests).toHaveLength(0);
  });

  it("a ledger that fails every write: calls keep flowing and the loss is counted", async () => {
    const failingLedger = {
      append: () => Promise.reject(new Error("disk full")),
      close: () => Promise.resolve(),
    } as unknown as UsageStore;
    const meter = createMeter({
      store: failingLedger,
      configContext: { env: {}, cwd: tmpdir() },
      diagnostics: () => {},
    });
    rig = await startGatewayRig({}, { meter, dashboard: false });
    const client = new Anthropic({
      baseURL: `${rig.gateway.url}/anthropic`,
      apiKey: "test",
      maxRetries: 0,
    });
    for (let call = 0; call < 3; call++) {
      const message = await client.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 16,
        messages,
      });
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    }
    const health = await (await fetch(`${rig.gateway.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", recorded: 3 });
    expect((await meter.shutdown({ timeoutMs: 1000 })).lostByLedger).toBe(3);
  });
});
