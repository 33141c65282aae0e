import Anthropic from "@anthropic-ai/sdk";
import { APIPromise as AnthropicAPIPromise } from "@anthropic-ai/sdk/core/api-promise";
import OpenAI from "openai";
import { APIPromise } from "openai/core/api-promise";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

// The caller gets the SDK's own objects back: the very APIPromise the SDK made for the call (so
// every helper on it works), not a second one built around it.

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 3 });
  collector = createCollectingMeter();
});

afterEach(async () => {
  await mocks.close();
});

describe("instrumented calls hand back the SDK's own APIPromise", () => {
  it("openai: withResponse() and the awaited result are recorded once, with the header's request id", async () => {
    const client = instrumentOpenAI(
      new OpenAI({ baseURL: mocks.instrumented.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter: collector.meter },
    );
    const promise = client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello." }],
    });
    expect(promise).toBeInstanceOf(APIPromise);
    expect(promise.constructor).toBe(APIPromise);
    const { data, response, request_id } = await promise.withResponse();
    expect(await promise).toBe(data);
    expect(response.status).toBe(200);
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]?.requestId).toBe(request_id ?? data.id);
    expect(events[0]?.finishReasons).toEqual(data.choices.map((choice) => choice.finish_reason));
  });

  it("anthropic: the same, for messages.create", async () => {
    const client = instrumentAnthropic(
      new Anthropic({
        baseURL: mocks.instrumented.anthropicBaseUrl,
        apiKey: "test",
        maxRetries: 0,
      }),
      { meter: collector.meter },
    );
    const promise = client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hello." }],
    });
    expect(promise).toBeInstanceOf(AnthropicAPIPromise);
    const { data, request_id } = await promise.withResponse();
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]?.requestId).toBe(request_id ?? data.id);
    expect(events[0]?.finishReasons).toEqual([data.stop_reason]);
  });

  it("openai: both halves of a tee() read at different paces get the bare SDK's chunks, usage chunk hidden", async () => {
    const openai = (base: string) => new OpenAI({ baseURL: base, apiKey: "test", maxRetries: 0 });
    const bare = openai(mocks.bare.openaiBaseUrl);
    const client = instrumentOpenAI(openai(mocks.instrumented.openaiBaseUrl), {
      meter: collector.meter,
    });
    const body = {
      model: "gpt-4o-mini",
      messages: [{ role: "user" as const, content: "Hello." }],
      stream: true as const,
    };
    const expected = (await collect(await bare.chat.completions.create(body))).map(comparable);
    const [left, right] = (await client.chat.completions.create(body)).tee();
    // The left half runs ahead to the end (asking the SDK for every chunk), then the right half
    // reads what was queued for it.
    const leftChunks = (await collect(left)).map(comparable);
    const rightChunks = (await collect(right)).map(comparable);
    expect(leftChunks).toEqual(expected);
    expect(rightChunks).toEqual(expected);
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ chunks: expected.length, finishReasons: ["stop"] });
    expect(events[0]?.outputTokens).toBeGreaterThan(0);
  });
});
