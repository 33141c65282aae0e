// Drives the real `openai` SDK against the mock provider: every format it serves must parse,
// plain and streamed, with the documented deterministic usage.

import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { expectedPromptTokens, parseSse, postRaw, wordCount } from "./wire-helpers.ts";

// Explicit options so every expectation below is derived from them, not from defaults.
const OPTIONS = { replyWords: 12, chunks: 5, reasoningTokens: 20, cachedShare: 0 };
const SYSTEM = "You are terse.";
const QUESTION = "What does llmeter measure, in one sentence?";
const MESSAGES = [
  { role: "system" as const, content: SYSTEM },
  { role: "user" as const, content: QUESTION },
];

let mock: MockProvider;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockProvider(OPTIONS);
  client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "sk-test-secret", maxRetries: 0 });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.setOptions(OPTIONS);
  mock.requests.length = 0;
});

describe("chat completions", () => {
  it("answers a plain request with the documented usage, a dated model and a request id", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: MESSAGES,
    });
    const prompt = expectedPromptTokens(SYSTEM, QUESTION);
    expect(completion.model).toBe("gpt-4o-2024-08-06");
    expect(completion.object).toBe("chat.completion");
    expect(completion.service_tier).toBe("default");
    expect(completion._request_id).toMatch(/^req_/);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("stop");
    expect(wordCount(choice?.message.content ?? "")).toBe(OPTIONS.replyWords);
    expect(completion.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: OPTIONS.replyWords,
      total_tokens: prompt + OPTIONS.replyWords,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it("reports cache reads from cachedShare and reasoning tokens for reasoning models", async () => {
    mock.setOptions({ cachedShare: 0.5 });
    const completion = await client.chat.completions.create({
      model: "o4-mini",
      messages: MESSAGES,
    });
    const prompt = expectedPromptTokens(SYSTEM, QUESTION);
    expect(completion.model).toBe("o4-mini-2025-04-16");
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(Math.floor(prompt * 0.5));
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(
      OPTIONS.reasoningTokens,
    );
    // completion_tokens includes reasoning, as the real API counts it.
    expect(completion.usage?.completion_tokens).toBe(OPTIONS.replyWords + OPTIONS.reasoningTokens);
  });

  it("stops at max_completion_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: MESSAGES,
      max_completion_tokens: 4,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(4);
    expect(wordCount(completion.choices[0]?.message.content ?? "")).toBe(4);
  });

  it("streams content chunks without a usage chunk when the caller did not ask for usage", async () => {
    const plain = await client.chat.completions.create({ model: "gpt-4o", messages: MESSAGES });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: MESSAGES,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // role chunk + one per content chunk + finish chunk; none carries usage or has empty choices.
    expect(chunks).toHaveLength(OPTIONS.chunks + 2);
    for (const chunk of chunks) {
      expect(chunk.choices).toHaveLength(1);
      expect("usage" in chunk).toBe(false);
    }
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks[0]?.model).toBe("gpt-4o-2024-08-06");
  });

  it("adds the usage-only chunk (empty choices) when stream_options.include_usage is set", async () => {
    const plain = await client.chat.completions.create({ model: "o3", messages: MESSAGES });
    const stream = await client.chat.completions.create({
      model: "o3",
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(plain.usage);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it("frames the stream as data: events ending with [DONE]", async () => {
    const raw = await postRaw(`${mock.openaiBaseUrl}/chat/completions`, {
      model: "gpt-4o",
      messages: MESSAGES,
      stream: true,
    });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(raw.text);
    expect(events.at(-1)).toEqual({ data: "[DONE]" });
    expect(events.every((event) => event.event === undefined)).toBe(true);
  });

  it("works with the SDK's chat.completions.stream helper", async () => {
    const stream = client.chat.completions.stream({
      model: "gpt-4o",
      messages: MESSAGES,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on("content", (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    expect(deltas).toHaveLength(OPTIONS.chunks);
    expect(final.choices[0]?.message.content).toBe(deltas.join(""));
    expect(final.usage?.completion_tokens).toBe(OPTIONS.replyWords);
  });
});

describe("responses", () => {
  it("answers a plain request with output_text, a reasoning item and usage details", async () => {
    mock.setOptions({ cachedShare: 0.25 });
    const response = await client.responses.create({
      model: "gpt-5",
      instructions: SYSTEM,
      input: QUESTION,
    });
    const prompt = expectedPromptTokens(SYSTEM, QUESTION);
    expect(response.model).toBe("gpt-5-2025-08-07");
    expect(response.status).toBe("completed");
    expect(response.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(wordCount(response.output_text)).toBe(OPTIONS.replyWords);
    expect(response.usage).toEqual({
      input_tokens: prompt,
      input_tokens_details: { cached_tokens: Math.floor(prompt * 0.25) },
      output_tokens: OPTIONS.replyWords + OPTIONS.reasoningTokens,
      output_tokens_details: { reasoning_tokens: OPTIONS.reasoningTokens },
      total_tokens: prompt + OPTIONS.replyWords + OPTIONS.reasoningTokens,
    });
  });

  it("streams the typed events in order and ends with response.completed carrying usage", async () => {
    const plain = await client.responses.create({ model: "gpt-4.1", input: QUESTION });
    const stream = await client.responses.create({
      model: "gpt-4.1",
      input: QUESTION,
      stream: true,
    });
    const events = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.filter((type) => type === "response.output_text.delta")).toHaveLength(
      OPTIONS.chunks,
    );
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const sequence = events.map((event) => event.sequence_number);
    expect(sequence).toEqual(sequence.map((_, index) => index));
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("no response.completed");
    expect(completed.response.usage).toEqual(plain.usage);
    const text = events.flatMap((event) =>
      event.type === "response.output_text.delta" ? [event.delta] : [],
    );
    expect(text.join("")).toBe(plain.output_text);
  });

  it("sends typed event: names on the wire", async () => {
    const raw = await postRaw(`${mock.openaiBaseUrl}/responses`, {
      model: "gpt-4.1",
      input: QUESTION,
      stream: true,
    });
    for (const event of parseSse(raw.text)) {
      expect(JSON.parse(event.data).type).toBe(event.event);
    }
  });

  it("works with the SDK's responses.stream helper, including a truncated reply", async () => {
    const stream = client.responses.stream({
      model: "gpt-5-mini",
      input: QUESTION,
      max_output_tokens: OPTIONS.reasoningTokens + 3,
    });
    const final = await stream.finalResponse();
    expect(final.status).toBe("incomplete");
    expect(final.incomplete_details?.reason).toBe("max_output_tokens");
    expect(final.usage?.output_tokens).toBe(OPTIONS.reasoningTokens + 3);
    expect(wordCount(final.output_text)).toBe(3);
  });
});

describe("embeddings", () => {
  it("returns the same vectors whether the SDK asks for base64 (its default) or floats", async () => {
    const input = ["first text", "a second, longer text"];
    const decoded = await client.embeddings.create({ model: "text-embedding-3-small", input });
    const floats = await client.embeddings.create({
      model: "text-embedding-3-small",
      input,
      encoding_format: "float",
    });
    expect(mock.requests[0]?.body).toMatchObject({ encoding_format: "base64" });
    expect(decoded.data).toHaveLength(2);
    expect(decoded.data[0]?.embedding).toHaveLength(1536);
    expect(decoded.data.map((item) => item.embedding)).toEqual(
      floats.data.map((item) => item.embedding),
    );
    expect(decoded.data[0]?.embedding).not.toEqual(decoded.data[1]?.embedding);
    const tokens = input.reduce((total, text) => total + Math.ceil(text.length / 4), 0);
    expect(decoded.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    expect(decoded.model).toBe("text-embedding-3-small");
  });

  it("honours dimensions and counts token-id inputs by their length", async () => {
    const result = await client.embeddings.create({
      model: "text-embedding-3-large",
      input: [[1, 2, 3, 4, 5]],
      dimensions: 8,
      encoding_format: "float",
    });
    expect(result.data[0]?.embedding).toHaveLength(8);
    expect(result.usage.prompt_tokens).toBe(5);
  });
});

describe("request log", () => {
  it("records method, path and body, and redacts the API key", async () => {
    await client.chat.completions.create({ model: "gpt-4o", messages: MESSAGES });
    const [request] = mock.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.body).toMatchObject({ model: "gpt-4o", messages: MESSAGES });
    expect(request?.headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(mock.requests)).not.toContain("sk-test-secret");
  });
});
