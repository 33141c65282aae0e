import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, comparableText, type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

const messages = [{ role: "user" as const, content: "Say hello through the gateway." }];
let rig: GatewayRig;

function clients(): { direct: OpenAI; through: OpenAI } {
  return {
    direct: new OpenAI({ baseURL: rig.direct.openaiBaseUrl, apiKey: "sk-direct", maxRetries: 0 }),
    through: new OpenAI({
      baseURL: `${rig.gateway.url}/openai/v1`,
      apiKey: "sk-proj-secret-client-key-0123456789",
      maxRetries: 0,
    }),
  };
}

beforeEach(async () => {
  rig = await startGatewayRig({ chunks: 5 });
});

afterEach(async () => {
  await rig.close();
});

describe("the gateway in front of OpenAI, with the openai SDK", () => {
  it("a plain chat completion: the same body as a direct call, one event with the mock's usage", async () => {
    const { direct, through } = clients();
    const expected = await direct.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .asResponse();
    const actual = await through.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .asResponse();
    const expectedText = await expected.text();
    const actualText = await actual.text();
    expect(comparableText(actualText)).toBe(comparableText(expectedText));
    expect(actual.status).toBe(200);
    expect(actual.headers.get("x-request-id")).toBe(expected.headers.get("x-request-id"));

    const usage = JSON.parse(actualText).usage;
    const events = await rig.ledgerEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      provider: "openai",
      model: "gpt-4o-mini",
      operation: "chat",
      streaming: false,
      success: true,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      requestId: expected.headers.get("x-request-id"),
    });
    expect(events[0]?.costUsd).toBeGreaterThan(0);
    // The client's own key went to the provider, and nowhere into the ledger.
    expect(rig.upstream.requests[0]?.headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(events)).not.toContain("secret-client-key");
  });

  it("a stream: every chunk as a direct call gets it, the usage chunk hidden, exact usage recorded", async () => {
    const { direct, through } = clients();
    const expectedResponse = await direct.chat.completions
      .create({ model: "gpt-4o-mini", messages, stream: true })
      .asResponse();
    const expectedText = await expectedResponse.text();
    const stream = await through.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
    });
    const chunks = await collect(stream);
    // The SDK saw no usage chunk and no `usage` member: what it sees without the gateway.
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);

    // Raw bytes: the same events, in the same order, as the direct call.
    rig.direct.requests.length = 0;
    const rawDirect = await fetch(`${rig.direct.openaiBaseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-direct" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages, stream: true }),
    });
    const rawThrough = await fetch(`${rig.gateway.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages, stream: true }),
    });
    expect(rawThrough.headers.get("content-type")).toContain("text/event-stream");
    expect(comparableText(await rawThrough.text())).toBe(comparableText(await rawDirect.text()));
    expect(comparableText(expectedText)).toContain("[DONE]");

    // The provider was asked for usage on the caller's behalf.
    const sent = rig.upstream.requests[0]?.body as { stream_options?: { include_usage?: boolean } };
    expect(sent.stream_options?.include_usage).toBe(true);

    // What the mock reports as the usage of this very request, asked for directly.
    const withUsage = await collect(
      await direct.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const usage = withUsage.at(-1)?.usage;
    const events = await rig.ledgerEvents();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        provider: "openai",
        streaming: true,
        success: true,
        inputTokens: usage?.prompt_tokens,
        outputTokens: usage?.completion_tokens,
      });
      expect(event.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("a caller that asked for usage gets the usage chunk and the usage members", async () => {
    const { through } = clients();
    const chunks = await collect(
      await through.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.total_tokens).toBeGreaterThan(0);
    const [event] = await rig.ledgerEvents();
    expect(event?.inputTokens).toBe(last?.usage?.prompt_tokens);
    expect(event?.outputTokens).toBe(last?.usage?.completion_tokens);
  });
});
