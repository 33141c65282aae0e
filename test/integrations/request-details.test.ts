// Finish reasons, server address/port and request parameters, recorded by the real provider SDKs
// against the loopback mock provider, and carried onto OpenTelemetry spans.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { createOtelInstrumentation } from "../../src/otel/otel-instrumentation.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createOtelTestKit, installContextManager } from "../otel/otel-test-kit.ts";
import { type CollectingMeter, createCollectingMeter } from "./integration-helpers.ts";

const messages = [{ role: "user" as const, content: "Tell me a long story about the sea." }];

let mock: MockProvider;
let collector: CollectingMeter;

beforeEach(async () => {
  mock = await startMockProvider({ chunks: 4 });
  collector = createCollectingMeter();
});
afterEach(async () => {
  await collector.meter.shutdown();
  await mock.close();
});

/** What `server.address`/`server.port` must be for a base URL, read with the platform's URL parser. */
function endpointOf(baseUrl: string): { serverAddress: string; serverPort: number } {
  const url = new URL(baseUrl);
  return { serverAddress: url.hostname, serverPort: Number(url.port) };
}

describe("openai", () => {
  const client = () =>
    instrumentOpenAI(new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 }), {
      meter: collector.meter,
    });

  it("records the choices' finish reasons, the endpoint and the parameters the caller set", async () => {
    const completion = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      max_completion_tokens: 5,
      temperature: 0.3,
      top_p: 0.8,
      frequency_penalty: -0.5,
      presence_penalty: 0.5,
      seed: 42,
      n: 1,
    });
    const [event] = await collector.recorded();
    const reasons = completion.choices.map((choice) => choice.finish_reason);
    // Five tokens cannot hold the story: the mock cuts it, as the API would.
    expect(reasons).toEqual(["length"]);
    expect(event).toMatchObject({
      finishReasons: reasons,
      ...endpointOf(mock.openaiBaseUrl),
      requestMaxTokens: 5,
      requestTemperature: 0.3,
      requestTopP: 0.8,
      requestFrequencyPenalty: -0.5,
      requestPresencePenalty: 0.5,
      requestSeed: 42,
      requestChoiceCount: 1,
    });
    expect(collector.diagnostics).toEqual([]);
  });

  it("leaves parameters the caller did not set undefined, and reads max_tokens too", async () => {
    const completion = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      max_tokens: 4096,
    });
    const [event] = await collector.recorded();
    expect(event?.finishReasons).toEqual([completion.choices[0]?.finish_reason]);
    expect(event?.finishReasons).toEqual(["stop"]);
    expect(event?.requestMaxTokens).toBe(4096);
    for (const field of [
      "requestTemperature",
      "requestTopP",
      "requestTopK",
      "requestSeed",
      "requestChoiceCount",
      "requestFrequencyPenalty",
      "requestPresencePenalty",
    ] as const) {
      expect(event?.[field], field).toBeUndefined();
    }
  });

  it("records the endpoint but no sampling parameters for embeddings", async () => {
    await client().embeddings.create({ model: "text-embedding-3-small", input: "hello" });
    const [event] = await collector.recorded();
    expect(event).toMatchObject(endpointOf(mock.openaiBaseUrl));
    expect(event?.finishReasons).toBeUndefined();
  });
});

describe("anthropic", () => {
  const client = () =>
    instrumentAnthropic(
      new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter: collector.meter },
    );

  it("records stop_reason as the finish reason, the endpoint and the parameters", async () => {
    // `temperature` and `top_k` are no longer typed by @anthropic-ai/sdk 1.x, but code written for
    // earlier versions still sends them, and the SDK passes the body through as it is.
    const body = {
      model: "claude-haiku-4-5",
      max_tokens: 5,
      temperature: 0.7,
      top_k: 20,
      messages,
    };
    const message = await client().messages.create(
      body as Anthropic.MessageCreateParamsNonStreaming,
    );
    expect(mock.requests.at(-1)?.body).toMatchObject({ temperature: 0.7, top_k: 20 });
    const [event] = await collector.recorded();
    expect(message.stop_reason).toBe("max_tokens");
    expect(event).toMatchObject({
      finishReasons: [message.stop_reason],
      ...endpointOf(mock.anthropicBaseUrl),
      requestMaxTokens: 5,
      requestTemperature: 0.7,
      requestTopK: 20,
    });
    expect(event?.requestTopP).toBeUndefined();
    expect(collector.diagnostics).toEqual([]);
  });
});

describe("google", () => {
  const client = () =>
    instrumentGoogleGenAI(
      new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: mock.geminiBaseUrl } }),
      { meter: collector.meter },
    );

  it("records the candidates' finish reasons, the endpoint and the generation config", async () => {
    const response = await client().models.generateContent({
      model: "gemini-2.5-flash",
      contents: "Tell me a long story about the sea.",
      config: {
        maxOutputTokens: 5,
        temperature: 1.1,
        topP: 0.95,
        topK: 64,
        candidateCount: 1,
        seed: 3,
      },
    });
    const [event] = await collector.recorded();
    const reasons = response.candidates?.map((candidate) => candidate.finishReason);
    expect(reasons).toEqual(["MAX_TOKENS"]);
    expect(event).toMatchObject({
      finishReasons: reasons,
      ...endpointOf(mock.geminiBaseUrl),
      requestMaxTokens: 5,
      requestTemperature: 1.1,
      requestTopP: 0.95,
      requestTopK: 64,
      requestChoiceCount: 1,
      requestSeed: 3,
    });
    expect(collector.diagnostics).toEqual([]);
  });
});

describe("on OpenTelemetry spans", () => {
  let removeContextManager: () => void;
  beforeAll(() => {
    removeContextManager = installContextManager();
  });
  afterAll(() => removeContextManager());

  it("a real SDK call's span carries finish reasons, server and request parameters", async () => {
    const kit = createOtelTestKit();
    const meter = createMeter({
      instrumentations: [
        createOtelInstrumentation({
          tracerProvider: kit.tracerProvider,
          meterProvider: kit.meterProvider,
          loggerProvider: kit.loggerProvider,
        }),
      ],
      ledger: false,
      configContext: { env: {}, cwd: process.cwd() },
      diagnostics: silentDiagnostics,
    });
    try {
      const client = instrumentOpenAI(
        new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
        { meter },
      );
      const completion = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        max_tokens: 5,
        temperature: 0,
      });
      await meter.flush();
      const [span] = kit.spans.getFinishedSpans();
      const endpoint = endpointOf(mock.openaiBaseUrl);
      expect(span?.attributes).toMatchObject({
        "gen_ai.response.finish_reasons": completion.choices.map((choice) => choice.finish_reason),
        "server.address": endpoint.serverAddress,
        "server.port": endpoint.serverPort,
        "gen_ai.request.max_tokens": 5,
        "gen_ai.request.temperature": 0,
      });
      const [log] = kit.logs.getFinishedLogRecords();
      expect(log?.attributes["gen_ai.response.finish_reasons"]).toEqual(["length"]);
    } finally {
      await meter.shutdown();
      await kit.shutdown();
    }
  });
});
