// The mock provider as a server: option validation, listening errors, pacing, client aborts,
// unknown routes and bad bodies (answered in the provider's error shape), and clean shutdown.

import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type MockProvider,
  MockProviderOptionError,
  startMockProvider,
} from "../../src/testing/index.ts";
import { postRaw } from "./wire-helpers.ts";

const started: MockProvider[] = [];
async function start(options: Parameters<typeof startMockProvider>[0] = {}) {
  const mock = await startMockProvider(options);
  started.push(mock);
  return mock;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((mock) => mock.close()));
});

const CHAT: OpenAI.ChatCompletionCreateParamsNonStreaming = {
  model: "gpt-4o",
  messages: [{ role: "user", content: "hi" }],
};

describe("options", () => {
  it("listens on loopback and exposes each SDK's base URL", async () => {
    const mock = await start();
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.openaiBaseUrl).toBe(`${mock.url}/v1`);
    expect(mock.anthropicBaseUrl).toBe(mock.url);
    expect(mock.geminiBaseUrl).toBe(mock.url);
  });

  it.each([
    [{ cachedShare: 1.5 }, /cachedShare.*1\.5.*from 0 to 1/],
    [{ chunks: 0 }, /chunks.*0.*whole number from 1/],
    [{ latencyMs: -1 }, /latencyMs.*-1.*milliseconds/],
    [{ port: 70_000 }, /port.*70000/],
    [{ failure: { status: 418 } }, /failure\.status.*418/],
    [{ failure: { status: 429, times: 0 } }, /failure\.times.*0/],
    [{ deployments: { prod: 42 } }, /deployments\.prod.*42.*model name/],
  ])("rejects %j with a message naming the option", async (options, message) => {
    const error = await startMockProvider(options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MockProviderOptionError);
    expect((error as Error).message).toMatch(message);
  });

  it("leaves the options unchanged when setOptions gets a bad value", async () => {
    const mock = await start({ replyWords: 5, chunks: 1 });
    expect(() => mock.setOptions({ replyWords: 7, chunks: -2 })).toThrow(MockProviderOptionError);
    const { text } = await postRaw(`${mock.openaiBaseUrl}/chat/completions`, CHAT);
    expect(JSON.parse(text).usage.completion_tokens).toBe(5);
  });

  it("explains a port that is already taken", async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(startMockProvider({ port })).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE.*another port`),
    );
  });
});

describe("pacing", () => {
  it("waits latencyMs before answering and timeToFirstTokenMs before the first chunk", async () => {
    // Lower bounds only: a delay that is applied can never be shorter than configured.
    const mock = await start({ latencyMs: 40, timeToFirstTokenMs: 60, chunks: 2 });
    const client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
    const startedAt = performance.now();
    const stream = await client.chat.completions.create({ ...CHAT, stream: true });
    const headersAt = performance.now();
    let firstContentAt = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content && firstContentAt === 0)
        firstContentAt = performance.now();
    }
    expect(headersAt - startedAt).toBeGreaterThanOrEqual(39);
    expect(firstContentAt - startedAt).toBeGreaterThanOrEqual(99);
  });

  it("stops writing when the client aborts mid-stream and keeps serving", async () => {
    // A chunk delay far longer than the test: only an abort can end this stream.
    const mock = await start({ chunkDelayMs: 600_000, chunks: 4 });
    const client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
    const stream = await client.chat.completions.create({ ...CHAT, stream: true });
    const received: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        received.push(content);
        stream.controller.abort();
      }
    }
    expect(received).toHaveLength(1);
    mock.setOptions({ chunkDelayMs: 0 });
    await expect(client.chat.completions.create(CHAT)).resolves.toBeDefined();
  });

  it("closes promptly while a stream is still open", async () => {
    const mock = await startMockProvider({ chunkDelayMs: 600_000 });
    const response = await fetch(`${mock.openaiBaseUrl}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ ...CHAT, stream: true }),
    });
    expect(response.status).toBe(200);
    await mock.close();
    await expect(response.text()).rejects.toThrow();
  });
});

describe("bad requests", () => {
  it("answers unknown paths with a 404 in the owning provider's error shape", async () => {
    const mock = await start();
    const openai = await postRaw(`${mock.url}/v1/audio/speech`, {});
    expect(openai.status).toBe(404);
    expect(JSON.parse(openai.text).error.message).toContain("/v1/audio/speech");
    const gemini = await postRaw(`${mock.url}/v1beta/models/gemini-2.0-flash:predict`, {});
    expect(gemini.status).toBe(404);
    expect(JSON.parse(gemini.text).error.status).toBe("NOT_FOUND");
    const anthropic = await postRaw(`${mock.url}/v1/messages/batches`, {});
    expect(JSON.parse(anthropic.text)).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });
  });

  it("rejects a body that is not a JSON object and a missing model", async () => {
    const mock = await start();
    const notJson = await fetch(`${mock.openaiBaseUrl}/chat/completions`, {
      method: "POST",
      body: "{oops",
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { type: string } }).error.type).toBe(
      "invalid_request_error",
    );
    const noModel = await postRaw(`${mock.openaiBaseUrl}/chat/completions`, { messages: [] });
    expect(noModel.status).toBe(400);
    expect(JSON.parse(noModel.text).error.message).toContain("model");
    expect(mock.requests.map((request) => request.body)).toEqual(["{oops", { messages: [] }]);
  });
});
