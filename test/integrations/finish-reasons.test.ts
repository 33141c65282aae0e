import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { Stream } from "openai/core/streaming";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

// Finish reasons on every path (plain, streamed, Responses API) of the three provider SDKs,
// through the real SDKs against the mock provider. Expected values come from what the bare SDK
// hands the caller, for a reply that ends normally and for one cut by the token cap.

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 6 });
  collector = createCollectingMeter();
});

afterEach(async () => {
  await mocks.close();
});

/** The finish reasons a bare chat stream's chunks carry, in choice order. */
function chatStreamReasons(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]): string[] {
  const reasons: string[] = [];
  for (const chunk of chunks)
    for (const choice of chunk.choices)
      if (choice.finish_reason != null) reasons[choice.index] = choice.finish_reason;
  return reasons;
}

describe("finish reasons: OpenAI", () => {
  const messages = [{ role: "user" as const, content: "Tell me a short story, please." }];
  const openai = (base: string) => new OpenAI({ baseURL: base, apiKey: "test", maxRetries: 0 });

  for (const [label, cap] of [
    ["a reply that ends", {}],
    ["a reply cut by max_tokens", { max_tokens: 2 }],
  ] as const) {
    it(`records the chat stream's finish_reason for ${label}, the caller's chunks unchanged`, async () => {
      const bare = openai(mocks.bare.openaiBaseUrl);
      const instrumented = instrumentOpenAI(openai(mocks.instrumented.openaiBaseUrl), {
        meter: collector.meter,
      });
      const body = { model: "gpt-4o-mini", messages, stream: true as const, ...cap };
      const expected = await collect(await bare.chat.completions.create(body));
      const stream = await instrumented.chat.completions.create(body);
      expect(stream).toBeInstanceOf(Stream);
      const actual = await collect(stream);
      // Usage was asked for on the caller's behalf: its chunk stays hidden, `usage` reads as unset.
      expect(actual.map(comparable)).toEqual(expected.map(comparable));
      const reasons = chatStreamReasons(expected);
      expect(reasons).toEqual(["max_tokens" in cap ? "length" : "stop"]);
      const [event] = await collector.recorded();
      expect(event).toMatchObject({ streaming: true, success: true, finishReasons: reasons });
      expect(event?.outputTokens).toBeGreaterThan(0);
    });
  }

  it("records each choice's finish_reason on an n > 1 stream and still hides the usage chunk", async () => {
    const bare = openai(mocks.bare.openaiBaseUrl);
    const instrumented = instrumentOpenAI(openai(mocks.instrumented.openaiBaseUrl), {
      meter: collector.meter,
    });
    const body = { model: "gpt-4o-mini", messages, stream: true as const, n: 2 };
    const expected = await collect(await bare.chat.completions.create(body));
    const actual = await collect(await instrumented.chat.completions.create(body));
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    const [event] = await collector.recorded();
    expect(event?.finishReasons).toEqual(chatStreamReasons(expected));
    expect(event?.inputTokens).toBeGreaterThan(0);
  });

  for (const [label, cap] of [
    ["a completed response", {}],
    ["an incomplete response", { max_output_tokens: 2 }],
  ] as const) {
    it(`records the Responses API's status as the finish reason for ${label}, plain and streamed`, async () => {
      const bare = openai(mocks.bare.openaiBaseUrl);
      const instrumented = instrumentOpenAI(openai(mocks.instrumented.openaiBaseUrl), {
        meter: collector.meter,
      });
      const body = { model: "gpt-4o-mini", input: "Tell me a short story.", ...cap };
      const expected = await bare.responses.create(body);
      const actual = await instrumented.responses.create(body);
      expect(comparable(actual)).toBe(comparable(expected));
      const reason =
        expected.status === "incomplete" ? expected.incomplete_details?.reason : expected.status;
      expect(reason).toBe("max_output_tokens" in cap ? "max_output_tokens" : "completed");

      const bareEvents = await collect(await bare.responses.create({ ...body, stream: true }));
      const streamed = await collect(
        await instrumented.responses.create({ ...body, stream: true }),
      );
      expect(streamed.map(comparable)).toEqual(bareEvents.map(comparable));
      const events = await collector.recorded();
      expect(events.map((event) => [event.streaming, event.finishReasons])).toEqual([
        [false, [reason]],
        [true, [reason]],
      ]);
    });
  }
});

describe("finish reasons: Anthropic", () => {
  const anthropic = (base: string) =>
    new Anthropic({ baseURL: base, apiKey: "test", maxRetries: 0 });

  for (const maxTokens of [256, 2]) {
    it(`records stop_reason from message_delta on a stream (max_tokens ${maxTokens})`, async () => {
      const bare = anthropic(mocks.bare.anthropicBaseUrl);
      const instrumented = instrumentAnthropic(anthropic(mocks.instrumented.anthropicBaseUrl), {
        meter: collector.meter,
      });
      const body = {
        model: "claude-sonnet-4-5",
        max_tokens: maxTokens,
        messages: [{ role: "user" as const, content: "Tell me a short story." }],
      };
      // The same calls on both mocks keep their message ids in step.
      await bare.messages.create(body);
      const plain = await instrumented.messages.create(body);
      const expected = await collect(await bare.messages.create({ ...body, stream: true }));
      const actual = await collect(await instrumented.messages.create({ ...body, stream: true }));
      expect(actual.map(comparable)).toEqual(expected.map(comparable));
      const delta = expected.find((event) => event.type === "message_delta");
      const stopReason = delta?.type === "message_delta" ? delta.delta.stop_reason : undefined;
      expect(stopReason).toBe(maxTokens === 2 ? "max_tokens" : "end_turn");
      expect(plain.stop_reason).toBe(stopReason);
      const events = await collector.recorded();
      expect(events.map((event) => [event.streaming, event.finishReasons])).toEqual([
        [false, [stopReason]],
        [true, [stopReason]],
      ]);
    });
  }
});

describe("finish reasons: Gemini", () => {
  const google = (base: string) =>
    new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: base } });
  const withoutHttp = (value: unknown) =>
    comparable({ ...(value as object), sdkHttpResponse: undefined });

  for (const maxOutputTokens of [undefined, 2]) {
    it(`records each candidate's finishReason on a stream (maxOutputTokens ${maxOutputTokens})`, async () => {
      const bare = google(mocks.bare.geminiBaseUrl);
      const instrumented = instrumentGoogleGenAI(google(mocks.instrumented.geminiBaseUrl), {
        meter: collector.meter,
      });
      const request = {
        model: "gemini-2.5-flash",
        contents: "Tell me a short story.",
        ...(maxOutputTokens === undefined ? {} : { config: { maxOutputTokens } }),
      };
      const bareStream = await bare.models.generateContentStream(request);
      const stream = await instrumented.models.generateContentStream(request);
      // The caller gets the SDK's own kind of generator, not one of ours.
      expect(Object.getPrototypeOf(stream)).toBe(Object.getPrototypeOf(bareStream));
      const expected = await collect(bareStream);
      const actual = await collect(stream);
      expect(actual.map(withoutHttp)).toEqual(expected.map(withoutHttp));
      const reasons = expected.flatMap((chunk) =>
        (chunk.candidates ?? []).flatMap((candidate) =>
          candidate.finishReason === undefined ? [] : [candidate.finishReason],
        ),
      );
      expect(reasons).toEqual([maxOutputTokens === undefined ? "STOP" : "MAX_TOKENS"]);
      const [event] = await collector.recorded();
      expect(event).toMatchObject({
        streaming: true,
        success: true,
        chunks: actual.length,
        finishReasons: reasons,
      });
    });
  }
});
