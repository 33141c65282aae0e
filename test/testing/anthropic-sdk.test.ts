// Drives the real `@anthropic-ai/sdk` against the mock provider: messages plain and streamed,
// cache usage with the 5m/1h write split, thinking, and the SSE event sequence.

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { expectedPromptTokens, parseSse, postRaw, wordCount } from "./wire-helpers.ts";

const OPTIONS = { replyWords: 10, chunks: 4, reasoningTokens: 24, cachedShare: 0 };
const QUESTION = "Summarise the ledger design.";
const LONG_SYSTEM = "Reference material. ".repeat(40);
const TOOL_SYSTEM = "Tool guide. ".repeat(10);
const LONG_QUESTION = "Explain each part of the ledger design. ".repeat(8);

let mock: MockProvider;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockProvider(OPTIONS);
  client = new Anthropic({
    baseURL: mock.anthropicBaseUrl,
    apiKey: "sk-ant-secret",
    maxRetries: 0,
  });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.setOptions(OPTIONS);
  mock.requests.length = 0;
});

describe("messages", () => {
  it("answers a plain request with usage, a dated model and a request id", async () => {
    const message = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: QUESTION }],
    });
    expect(message.model).toBe("claude-haiku-4-5-20251001");
    expect(message._request_id).toMatch(/^req_/);
    expect(message.stop_reason).toBe("end_turn");
    const [block] = message.content;
    expect(block?.type).toBe("text");
    expect(wordCount(block?.type === "text" ? block.text : "")).toBe(OPTIONS.replyWords);
    expect(message.usage).toMatchObject({
      input_tokens: expectedPromptTokens(QUESTION),
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: OPTIONS.replyWords,
      service_tier: "standard",
    });
  });

  it("reports cache writes per TTL for cache_control blocks and reads from cachedShare", async () => {
    mock.setOptions({ cachedShare: 0.1 });
    const message = await client.messages.create({
      model: "claude-opus-4-5",
      max_tokens: 256,
      system: [
        { type: "text", text: TOOL_SYSTEM, cache_control: { type: "ephemeral", ttl: "1h" } },
        { type: "text", text: LONG_SYSTEM, cache_control: { type: "ephemeral" } },
      ],
      messages: [{ role: "user", content: LONG_QUESTION }],
    });
    // The system prompt's overhead belongs to the first breakpoint's prefix.
    const write1h = 3 + Math.ceil(TOOL_SYSTEM.length / 4);
    const write5m = Math.ceil(LONG_SYSTEM.length / 4);
    const total = write1h + write5m + expectedPromptTokens(LONG_QUESTION);
    const read = Math.floor(total * 0.1);
    expect(message.usage).toMatchObject({
      cache_creation_input_tokens: write1h + write5m,
      cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
      cache_read_input_tokens: read,
      input_tokens: total - write1h - write5m - read,
    });
  });

  it("never reports more cache reads than the tokens left after cache writes", async () => {
    mock.setOptions({ cachedShare: 1 });
    const message = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      system: [{ type: "text", text: LONG_SYSTEM, cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: QUESTION }],
    });
    const written = 3 + Math.ceil(LONG_SYSTEM.length / 4);
    expect(message.usage.cache_creation_input_tokens).toBe(written);
    expect(message.usage.cache_read_input_tokens).toBe(expectedPromptTokens(QUESTION));
    expect(message.usage.input_tokens).toBe(0);
  });

  it("returns a thinking block and counts thinking tokens inside output_tokens", async () => {
    const message = await client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 1024,
      thinking: { type: "enabled", budget_tokens: 16 },
      messages: [{ role: "user", content: QUESTION }],
    });
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    // The budget caps the configured 24 reasoning tokens at 16.
    expect(message.usage.output_tokens_details?.thinking_tokens).toBe(16);
    expect(message.usage.output_tokens).toBe(OPTIONS.replyWords + 16);
  });

  it("stops at max_tokens with stop_reason max_tokens", async () => {
    const message = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 3,
      messages: [{ role: "user", content: QUESTION }],
    });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(3);
  });

  it("rejects a request without max_tokens as the real API does (BadRequestError)", async () => {
    const call = client.messages.create({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: QUESTION }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    await expect(call).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(call).rejects.toThrow(/max_tokens/);
  });

  it("counts tokens with messages.countTokens", async () => {
    const count = await client.messages.countTokens({
      model: "claude-haiku-4-5",
      system: LONG_SYSTEM,
      messages: [{ role: "user", content: QUESTION }],
    });
    expect(count.input_tokens).toBe(expectedPromptTokens(LONG_SYSTEM, QUESTION));
  });
});

describe("streaming", () => {
  it("sends the documented event sequence with usage in message_start and message_delta", async () => {
    const raw = await postRaw(`${mock.anthropicBaseUrl}/v1/messages`, {
      model: "claude-haiku-4-5",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: QUESTION }],
    });
    const events = parseSse(raw.text);
    for (const event of events) expect(JSON.parse(event.data).type).toBe(event.event);
    expect(events.map((event) => event.event)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      ...Array(OPTIONS.chunks).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const start = JSON.parse(events[0]?.data ?? "{}");
    expect(start.message.usage.input_tokens).toBe(expectedPromptTokens(QUESTION));
    const delta = JSON.parse(events.at(-2)?.data ?? "{}");
    expect(delta.usage).toMatchObject({
      input_tokens: expectedPromptTokens(QUESTION),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: OPTIONS.replyWords,
    });
    expect(delta.delta.stop_reason).toBe("end_turn");
  });

  it("gives messages.stream() the same final message as the plain call", async () => {
    const request = {
      model: "claude-opus-4-5",
      max_tokens: 512,
      thinking: { type: "enabled" as const, budget_tokens: 100 },
      system: [
        { type: "text" as const, text: LONG_SYSTEM, cache_control: { type: "ephemeral" as const } },
      ],
      messages: [{ role: "user" as const, content: QUESTION }],
    };
    const plain = await client.messages.create(request);
    const stream = client.messages.stream(request);
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts).toHaveLength(OPTIONS.chunks);
    expect(final.content).toEqual(plain.content);
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
    expect(final.usage.cache_creation_input_tokens).toBe(plain.usage.cache_creation_input_tokens);
    expect(final.usage).toEqual(plain.usage);
    expect(final.stop_reason).toBe("end_turn");
  });

  it("streams with messages.create({ stream: true }) as raw events", async () => {
    const stream = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: QUESTION }],
    });
    const types: string[] = [];
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "message_delta") outputTokens = event.usage.output_tokens;
    }
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(outputTokens).toBe(OPTIONS.replyWords);
  });
});

describe("request log", () => {
  it("redacts the credential header (x-api-key or authorization, by SDK version)", async () => {
    await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 8,
      messages: [{ role: "user", content: QUESTION }],
    });
    const headers = mock.requests[0]?.headers ?? {};
    expect(headers["x-api-key"] ?? headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(mock.requests)).not.toContain("sk-ant-secret");
  });
});
