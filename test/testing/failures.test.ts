// Failure injection through the real SDKs: injected HTTP statuses must surface as each SDK's
// typed error, "broken-stream" must cut a stream (or a body) mid-way, and the server must stay
// healthy afterwards.

import Anthropic from "@anthropic-ai/sdk";
import { ApiError, type GenerateContentResponse, GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { parseSse } from "./wire-helpers.ts";

const OPTIONS = { chunks: 6, replyWords: 6 };
const QUESTION = "Is the ledger the source of truth?";

let mock: MockProvider;
let openai: OpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;

beforeAll(async () => {
  mock = await startMockProvider(OPTIONS);
  openai = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "test", maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: mock.geminiBaseUrl } });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.setOptions({ ...OPTIONS, failure: undefined });
  mock.requests.length = 0;
});

const chat = (headers?: Record<string, string>) =>
  openai.chat.completions.create(
    { model: "gpt-4o", messages: [{ role: "user", content: QUESTION }] },
    headers ? { headers } : undefined,
  );
const message = (headers?: Record<string, string>) =>
  anthropic.messages.create(
    { model: "claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: QUESTION }] },
    headers ? { headers } : undefined,
  );
const generate = (headers?: Record<string, string>) =>
  gemini.models.generateContent({
    model: "gemini-2.0-flash",
    contents: QUESTION,
    config: headers ? { httpOptions: { headers } } : {},
  });

describe("injected HTTP errors (x-mock-fail header)", () => {
  it("raises the OpenAI SDK's typed errors with the provider's error body", async () => {
    const limited = await chat({ "x-mock-fail": "429" }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).code).toBe(
      "rate_limit_exceeded",
    );
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).requestID).toMatch(/^req_/);
    await expect(chat({ "x-mock-fail": "500" })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(chat({ "x-mock-fail": "401" })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(chat()).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("raises the Anthropic SDK's typed errors", async () => {
    const limited = await message({ "x-mock-fail": "429" }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" },
    });
    await expect(message({ "x-mock-fail": "500" })).rejects.toBeInstanceOf(
      Anthropic.InternalServerError,
    );
    const overloaded = await message({ "x-mock-fail": "529" }).catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  });

  it("raises the Google GenAI SDK's ApiError with the status", async () => {
    const limited = await generate({ "x-mock-fail": "429" }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ApiError);
    expect((limited as ApiError).status).toBe(429);
    expect((limited as ApiError).message).toContain("RESOURCE_EXHAUSTED");
    const internal = await generate({ "x-mock-fail": "500" }).catch((error: unknown) => error);
    expect((internal as ApiError).status).toBe(500);
  });

  it("rejects an unknown x-mock-fail value with a 400 that names the header", async () => {
    const error = await chat({ "x-mock-fail": "418" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((error as Error).message)).toMatch(/x-mock-fail.*418/);
  });
});

describe("configured failures", () => {
  it("fails the next `times` requests, then serves normally", async () => {
    mock.setOptions({ failure: { status: 429, times: 2 } });
    await expect(chat()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(message()).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(generate()).resolves.toMatchObject({ modelVersion: "gemini-2.0-flash" });
  });

  it("fails once by default, and on every request with times: Infinity", async () => {
    mock.setOptions({ failure: { status: 500 } });
    await expect(chat()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(chat()).resolves.toBeDefined();
    mock.setOptions({ failure: { status: 500, times: Number.POSITIVE_INFINITY } });
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(chat()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    }
  });

  it("lets a header override the configured failure without using it up", async () => {
    mock.setOptions({ failure: { status: 500 } });
    await expect(chat({ "x-mock-fail": "429" })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(chat()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe("broken streams", () => {
  it("cuts an OpenAI stream after part of its chunks", async () => {
    const stream = await openai.chat.completions.create(
      { model: "gpt-4o", messages: [{ role: "user", content: QUESTION }], stream: true },
      { headers: { "x-mock-fail": "broken-stream" } },
    );
    const received: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    // The role chunk and half of the content chunks arrive; the finish chunk never does.
    expect(received).toHaveLength(1 + OPTIONS.chunks / 2);
  });

  it("cuts an Anthropic stream before message_delta", async () => {
    mock.setOptions({ failure: { status: "broken-stream" } });
    const stream = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: QUESTION }],
    });
    const types: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(types[0]).toBe("message_start");
    expect(types).not.toContain("message_delta");
  });

  it("cuts a Gemini stream before the final usage", async () => {
    const stream = await gemini.models.generateContentStream({
      model: "gemini-2.0-flash",
      contents: QUESTION,
      config: { httpOptions: { headers: { "x-mock-fail": "broken-stream" } } },
    });
    const chunks: GenerateContentResponse[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(chunks).toHaveLength(OPTIONS.chunks / 2);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBeUndefined();
  });

  it("truncates a plain response body so the SDK fails to read it", async () => {
    await expect(chat({ "x-mock-fail": "broken-stream" })).rejects.toBeInstanceOf(Error);
    await expect(chat()).resolves.toMatchObject({ object: "chat.completion" });
  });
});

describe("in-stream errors (stream-error)", () => {
  it("ends an OpenAI chat stream with an error event the SDK raises as APIError", async () => {
    const stream = await openai.chat.completions.create(
      { model: "gpt-4o", messages: [{ role: "user", content: QUESTION }], stream: true },
      { headers: { "x-mock-fail": "stream-error" } },
    );
    let received = 0;
    const failure = await (async () => {
      for await (const _chunk of stream) received += 1;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
    expect(received).toBe(1 + OPTIONS.chunks / 2);
  });

  it("sends the Responses API's typed error event with the next sequence number", async () => {
    // The wire itself: openai 7 turns the `error` event into a thrown APIError, so read the SSE.
    const response = await openai.responses
      .create(
        { model: "gpt-4.1", input: QUESTION, stream: true },
        { headers: { "x-mock-fail": "stream-error" } },
      )
      .asResponse();
    const events = parseSse(await response.text()).map(
      (block) => JSON.parse(block.data) as OpenAI.Responses.ResponseStreamEvent,
    );
    const last = events.at(-1);
    expect(last?.type).toBe("error");
    expect(last?.sequence_number).toBe(events.length - 1);
    expect(events.map((event) => event.type)).not.toContain("response.completed");

    // And the SDK raises it as the API's error.
    const stream = await openai.responses.create(
      { model: "gpt-4.1", input: QUESTION, stream: true },
      { headers: { "x-mock-fail": "stream-error" } },
    );
    const failure = await (async () => {
      for await (const _event of stream);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });

  it("ends an Anthropic stream with an overloaded_error event", async () => {
    const stream = await anthropic.messages.create(
      {
        model: "claude-haiku-4-5",
        max_tokens: 64,
        stream: true,
        messages: [{ role: "user", content: QUESTION }],
      },
      { headers: { "x-mock-fail": "stream-error" } },
    );
    const failure = await (async () => {
      for await (const _event of stream);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
  });

  it("ends a Gemini stream with an error chunk the SDK raises as ApiError", async () => {
    const stream = await gemini.models.generateContentStream({
      model: "gemini-2.0-flash",
      contents: QUESTION,
      config: { httpOptions: { headers: { "x-mock-fail": "stream-error" } } },
    });
    const failure = await (async () => {
      for await (const _chunk of stream);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(500);
  });

  it("answers a request that is not streamed with the provider's 500", async () => {
    await expect(chat({ "x-mock-fail": "stream-error" })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });
});
