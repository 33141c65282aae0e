import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, comparableText, type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

let rig: GatewayRig;

beforeEach(async () => {
  rig = await startGatewayRig({ chunks: 4 });
});

afterEach(async () => {
  await rig.close();
});

const messages = [{ role: "user" as const, content: "Hello, Claude, through the gateway." }];

function anthropicClients(): { direct: Anthropic; through: Anthropic } {
  return {
    direct: new Anthropic({ baseURL: rig.direct.anthropicBaseUrl, apiKey: "test", maxRetries: 0 }),
    through: new Anthropic({
      baseURL: `${rig.gateway.url}/anthropic`,
      apiKey: "sk-ant-secret-client-key-0123456789",
      maxRetries: 0,
    }),
  };
}

function geminiClients(): { direct: GoogleGenAI; through: GoogleGenAI } {
  return {
    direct: new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: rig.direct.geminiBaseUrl } }),
    through: new GoogleGenAI({
      apiKey: "AIzaSecretClientKey0123456789",
      httpOptions: { baseUrl: `${rig.gateway.url}/gemini` },
    }),
  };
}

describe("the gateway in front of Anthropic, with @anthropic-ai/sdk", () => {
  it("a message and a stream: the caller gets what a direct call gets, each recorded with its usage", async () => {
    const { direct, through } = anthropicClients();
    const request = { model: "claude-sonnet-4-5", max_tokens: 128, messages };
    const expected = await direct.messages.create(request);
    const actual = await through.messages.create(request);
    expect(comparableText(JSON.stringify(actual))).toBe(comparableText(JSON.stringify(expected)));

    const expectedEvents = await collect(
      await direct.messages.create({ ...request, stream: true }),
    );
    const events = await collect(await through.messages.create({ ...request, stream: true }));
    expect(events.map((event) => JSON.stringify(event))).toEqual(
      expectedEvents.map((event) => JSON.stringify(event)),
    );
    const finalUsage = events.find((event) => event.type === "message_delta");

    const recorded = await rig.ledgerEvents();
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      streaming: false,
      success: true,
      inputTokens: expected.usage.input_tokens,
      outputTokens: expected.usage.output_tokens,
      requestMaxTokens: 128,
    });
    expect(recorded[1]).toMatchObject({
      provider: "anthropic",
      streaming: true,
      success: true,
      inputTokens: expected.usage.input_tokens,
      outputTokens:
        finalUsage?.type === "message_delta" ? finalUsage.usage.output_tokens : Number.NaN,
    });
    // This SDK sends its key as a bearer token; the mock shows that it arrived (redacted).
    expect(rig.upstream.requests[0]?.headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(recorded)).not.toContain("secret-client-key");
  });

  it("a provider error reaches the caller as the SDK's own error and is recorded as failed", async () => {
    const { through } = anthropicClients();
    const failing = through.messages.create(
      { model: "claude-sonnet-4-5", max_tokens: 16, messages },
      { headers: { "x-mock-fail": "429" } },
    );
    await expect(failing).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    const [event] = await rig.ledgerEvents();
    expect(event).toMatchObject({
      success: false,
      errorType: "RateLimitError",
      httpStatus: 429,
      providerErrorType: "rate_limit_error",
    });
  });
});

describe("the gateway in front of Gemini, with @google/genai", () => {
  it("generateContent, a stream and embeddings, each recorded once", async () => {
    const { direct, through } = geminiClients();
    const request = { model: "gemini-2.5-flash", contents: "Hello, Gemini, through the gateway." };
    const expected = await direct.models.generateContent(request);
    const actual = await through.models.generateContent(request);
    expect(withoutHttpResponse(actual)).toBe(withoutHttpResponse(expected));

    const expectedChunks = await collect(await direct.models.generateContentStream(request));
    const chunks = await collect(await through.models.generateContentStream(request));
    expect(chunks.map(withoutHttpResponse)).toEqual(expectedChunks.map(withoutHttpResponse));

    const embedding = await through.models.embedContent({
      model: "gemini-embedding-001",
      contents: "embed me",
    });
    expect(embedding.embeddings?.[0]?.values?.length).toBeGreaterThan(0);

    const recorded = await rig.ledgerEvents();
    expect(recorded.map((event) => [event.operation, event.streaming, event.kind])).toEqual([
      ["generate_content", false, "llm"],
      ["generate_content", true, "llm"],
      ["embeddings", false, "embedding"],
    ]);
    const usage = expected.usageMetadata;
    for (const event of recorded.slice(0, 2)) {
      expect(event).toMatchObject({
        provider: "google",
        model: "gemini-2.5-flash",
        success: true,
        inputTokens: usage?.promptTokenCount,
        totalTokens: usage?.totalTokenCount,
      });
    }
    expect(rig.upstream.requests[0]?.headers["x-goog-api-key"]).toBe("[redacted]");
    expect(JSON.stringify(recorded)).not.toContain("SecretClientKey");
  });
});

/** A Gemini result's JSON without the SDK's copy of the HTTP headers (dates, keep-alive). */
function withoutHttpResponse(value: object): string {
  const { sdkHttpResponse: _headers, ...rest } = value as { sdkHttpResponse?: unknown };
  return JSON.stringify(rest);
}
