import OpenAI, { RateLimitError } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import {
  createRecordingScope,
  runInRecordingScope,
  wasRecordedByProviderSdk,
} from "../../src/integrations/shared/recording-scope.ts";
import { withAttribution } from "../../src/meter/attribution.ts";
import { setGlobalMeter } from "../../src/meter/global-meter.ts";
import type { MockProvider } from "../../src/testing/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

const messages = [
  { role: "user" as const, content: "Count the tokens in this short prompt, please." },
];

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;
let bare: OpenAI;
let instrumented: OpenAI;

function lastRequestBody(mock: MockProvider): Record<string, unknown> {
  return (mock.requests.at(-1)?.body ?? {}) as Record<string, unknown>;
}

function clientFor(mock: MockProvider): OpenAI {
  return new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
}

// A fresh pair of mock servers per test keeps their id counters in step.
beforeEach(async () => {
  mocks = await startMockPair({ chunks: 6, cachedShare: 0.5, reasoningTokens: 24 });
  collector = createCollectingMeter();
  bare = clientFor(mocks.bare);
  instrumented = instrumentOpenAI(clientFor(mocks.instrumented), { meter: collector.meter });
});

afterEach(async () => {
  await mocks.close();
});

describe("instrumentOpenAI: chat completions", () => {
  it("records exact usage, models and latency, and returns what the bare SDK returns", async () => {
    const expected = await bare.chat.completions.create({ model: "gpt-4o-mini", messages });
    const actual = await instrumented.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(comparable(actual)).toBe(comparable(expected));
    const requestId = (actual as { _request_id?: string })._request_id;
    expect(requestId).toBe((expected as { _request_id?: string })._request_id);

    const [event] = await collector.recorded();
    expect(collector.events).toHaveLength(1);
    const usage = actual.usage!;
    expect(event).toMatchObject({
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o-mini",
      responseModel: actual.model,
      requestId,
      serviceTier: actual.service_tier,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      totalTokens: usage.total_tokens,
      cacheReadTokens: usage.prompt_tokens_details?.cached_tokens,
      streaming: false,
      success: true,
    });
    expect(usage.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
    expect(event?.latencyMs).toBeGreaterThan(0);
    expect(event?.timeToFirstTokenMs).toBeUndefined();
    // Priced by the meter's default catalog. gpt-4o-mini per million tokens: $0.15 input, $0.075
    // cached input, $0.60 output (https://platform.openai.com/docs/pricing).
    const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
    const expectedCost =
      ((usage.prompt_tokens - cached) * 0.15 + cached * 0.075 + usage.completion_tokens * 0.6) /
      1e6;
    expect(event?.costUsd).toBeCloseTo(expectedCost, 12);
    expect(event?.priceSource).toBe("catalog");
    expect(collector.diagnostics).toEqual([]);
  });

  it("counts reasoning tokens inside output tokens", async () => {
    const response = await instrumented.chat.completions.create({ model: "o3-mini", messages });
    const [event] = await collector.recorded();
    const reasoning = response.usage?.completion_tokens_details?.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(0);
    expect(event?.reasoningTokens).toBe(reasoning);
    expect(event?.outputTokens).toBe(response.usage?.completion_tokens);
  });

  it("gets exact usage on a stream that did not ask for it, and the caller sees no extra chunk", async () => {
    const expected = await collect(
      await bare.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    );
    const actual = await collect(
      await instrumented.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    );
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    // `usage` reads as without include_usage; JSON (above) shows no trace of it.
    expect(actual.every((chunk) => chunk.usage === undefined)).toBe(true);

    // What the server reports when asked for usage directly.
    const withUsage = await collect(
      await bare.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const usage = withUsage.at(-1)?.usage;
    expect(usage).toBeTruthy();

    const sent = lastRequestBody(mocks.instrumented);
    expect(sent.stream_options).toEqual({ include_usage: true });

    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      streaming: true,
      chunks: actual.length,
      inputTokens: usage?.prompt_tokens,
      outputTokens: usage?.completion_tokens,
      cacheReadTokens: usage?.prompt_tokens_details?.cached_tokens,
      responseModel: actual[0]?.model,
      success: true,
    });
    expect(event?.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(event?.timeToFirstTokenMs).toBeLessThanOrEqual(event?.latencyMs ?? 0);
  });

  it("leaves the usage chunk in place when the caller asked for it", async () => {
    const body = {
      model: "gpt-4o-mini",
      messages,
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const expected = await collect(await bare.chat.completions.create(body));
    const actual = await collect(await instrumented.chat.completions.create(body));
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    const [event] = await collector.recorded();
    expect(event?.chunks).toBe(actual.length);
    expect(event?.inputTokens).toBe(actual.at(-1)?.usage?.prompt_tokens);
  });

  it("does not touch the request when injectStreamUsage is off or the caller said include_usage: false", async () => {
    const quiet = instrumentOpenAI(clientFor(mocks.instrumented), {
      meter: collector.meter,
      injectStreamUsage: false,
    });
    await collect(
      await quiet.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    );
    expect(lastRequestBody(mocks.instrumented).stream_options).toBeUndefined();
    await collect(
      await instrumented.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: false },
      }),
    );
    expect(lastRequestBody(mocks.instrumented).stream_options).toEqual({
      include_usage: false,
    });
    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.inputTokens).toBeUndefined();
      expect(event.outputTokens).toBeUndefined();
      expect(event.success).toBe(true);
      expect(event.chunks).toBeGreaterThan(0);
    }
  });

  it("keeps the SDK helpers working: chat.completions.stream() and parse()", async () => {
    const expected = await bare.chat.completions
      .stream({ model: "gpt-4o-mini", messages })
      .finalChatCompletion();
    const helper = instrumented.chat.completions.stream({ model: "gpt-4o-mini", messages });
    const deltas: string[] = [];
    helper.on("content", (delta) => deltas.push(delta));
    const actual = await helper.finalChatCompletion();
    expect(comparable(actual)).toBe(comparable(expected));
    expect(deltas.join("")).toBe(actual.choices[0]?.message.content);

    const parsed = await instrumented.chat.completions.parse({ model: "gpt-4o-mini", messages });
    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ streaming: true, success: true });
    expect(events[0]?.inputTokens).toBeGreaterThan(0);
    expect(events[1]?.inputTokens).toBe(parsed.usage?.prompt_tokens);
  });

  it("keeps .withResponse(), .tee() and .toReadableStream() working, recording each call once", async () => {
    const { data, response, request_id } = await instrumented.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .withResponse();
    expect(response.status).toBe(200);
    expect(request_id).toBe((data as { _request_id?: string })._request_id);

    const stream = await instrumented.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
    });
    const [left, right] = stream.tee();
    const [leftChunks, rightChunks] = await Promise.all([collect(left), collect(right)]);
    expect(leftChunks.map(comparable)).toEqual(rightChunks.map(comparable));

    const readable = (
      await instrumented.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true })
    ).toReadableStream();
    const text = await new Response(readable).text();
    const lines = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { usage?: unknown });
    expect(lines.every((chunk) => chunk.usage === undefined)).toBe(true);

    const events = await collector.recorded();
    expect(events).toHaveLength(3);
    expect(events[0]?.requestId).toBe(request_id);
    expect(events[1]?.chunks).toBe(leftChunks.length);
    expect(events[2]?.chunks).toBe(lines.length);
    for (const event of events.slice(1)) expect(event.inputTokens).toBeGreaterThan(0);
  });
});

describe("instrumentOpenAI: responses and embeddings", () => {
  it("records a Responses API call and its stream", async () => {
    const expected = await bare.responses.create({ model: "o3-mini", input: "Say something." });
    const actual = await instrumented.responses.create({
      model: "o3-mini",
      input: "Say something.",
    });
    expect(comparable(actual)).toBe(comparable(expected));
    expect(actual.output_text).toBe(expected.output_text);

    const bareEvents = await collect(
      await bare.responses.create({ model: "o3-mini", input: "Say something.", stream: true }),
    );
    const events = await collect(
      await instrumented.responses.create({
        model: "o3-mini",
        input: "Say something.",
        stream: true,
      }),
    );
    expect(events.map(comparable)).toEqual(bareEvents.map(comparable));
    const completed = events.find((event) => event.type === "response.completed");
    const streamedUsage =
      completed?.type === "response.completed" ? completed.response.usage : undefined;

    const recorded = await collector.recorded();
    expect(recorded).toHaveLength(2);
    const usage = actual.usage!;
    expect(recorded[0]).toMatchObject({
      operation: "chat",
      model: "o3-mini",
      responseModel: actual.model,
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cacheReadTokens: usage.input_tokens_details.cached_tokens,
      reasoningTokens: usage.output_tokens_details.reasoning_tokens,
      streaming: false,
    });
    expect(usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(recorded[1]).toMatchObject({
      streaming: true,
      chunks: events.length,
      inputTokens: streamedUsage?.input_tokens,
      outputTokens: streamedUsage?.output_tokens,
      reasoningTokens: streamedUsage?.output_tokens_details.reasoning_tokens,
    });
    expect(recorded[1]?.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it("keeps responses.stream() working", async () => {
    const expected = await bare.responses
      .stream({ model: "gpt-4o-mini", input: "Hi." })
      .finalResponse();
    const actual = await instrumented.responses
      .stream({ model: "gpt-4o-mini", input: "Hi." })
      .finalResponse();
    expect(comparable(actual)).toBe(comparable(expected));
    const [event] = await collector.recorded();
    expect(event?.inputTokens).toBe(actual.usage?.input_tokens);
    expect(event?.outputTokens).toBe(actual.usage?.output_tokens);
  });

  it("records embeddings as embedding events with their prompt tokens", async () => {
    const input = ["first text to embed", "second"];
    const expected = await bare.embeddings.create({ model: "text-embedding-3-small", input });
    const actual = await instrumented.embeddings.create({ model: "text-embedding-3-small", input });
    expect(comparable(actual)).toBe(comparable(expected));
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      kind: "embedding",
      operation: "embeddings",
      model: "text-embedding-3-small",
      inputTokens: actual.usage.prompt_tokens,
      totalTokens: actual.usage.total_tokens,
      success: true,
    });
    expect(event?.outputTokens).toBeUndefined();
  });
});

describe("instrumentOpenAI: failures", () => {
  it("records an HTTP error with its type and re-throws the same error", async () => {
    mocks.instrumented.setOptions({ failure: { status: 429 } });
    const error = await instrumented.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(RateLimitError);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({
      success: false,
      errorType: "RateLimitError",
      model: "gpt-4o-mini",
    });
    expect(event?.inputTokens).toBeUndefined();
  });

  it("records a 500 on a stream request and a stream broken mid-way", async () => {
    mocks.instrumented.setOptions({ failure: { status: 500 } });
    await expect(
      instrumented.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    ).rejects.toThrow(OpenAI.InternalServerError);

    const stream = await instrumented.chat.completions.create(
      { model: "gpt-4o-mini", messages, stream: true },
      { headers: { "x-mock-fail": "broken-stream" } },
    );
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(failure).toBeInstanceOf(Error);

    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ success: false, errorType: "InternalServerError" });
    expect(events[1]?.success).toBe(false);
    expect(events[1]?.errorType).toBe(
      (failure as Error).constructor.name === "Error"
        ? (failure as Error).name
        : (failure as Error).constructor.name,
    );
    expect(events[1]?.chunks).toBe(seen.length);
  });

  it("records a timeout with its type", async () => {
    mocks.instrumented.setOptions({ latencyMs: 2000 });
    await expect(
      instrumented.chat.completions.create({ model: "gpt-4o-mini", messages }, { timeout: 50 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ success: false, errorType: "APIConnectionTimeoutError" });
  });

  it("records a stream the caller stops reading, once, as stream_abandoned", async () => {
    const stream = await instrumented.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
    });
    let read = 0;
    for await (const _chunk of stream) {
      read += 1;
      if (read === 2) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, errorType: "stream_abandoned", chunks: 2 });
  });

  it("records an aborted stream, once, as AbortError, even when nobody reads it any more", async () => {
    const stream = await instrumented.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, errorType: "AbortError", streaming: true });
  });
});

describe("instrumentOpenAI: wiring", () => {
  it("uses the global meter at call time, and instrumenting twice records once", async () => {
    const client = instrumentOpenAI(instrumentOpenAI(clientFor(mocks.instrumented)));
    await client.chat.completions.create({ model: "gpt-4o-mini", messages }); // no meter yet: not recorded
    const late = createCollectingMeter();
    setGlobalMeter(late.meter);
    try {
      await withAttribution({ userId: "user-7", tenantId: "acme" }, () =>
        client.chat.completions.create({ model: "gpt-4o-mini", messages }),
      );
    } finally {
      setGlobalMeter(undefined);
    }
    const events = await late.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: "user-7", tenantId: "acme", provider: "openai" });
  });

  it("takes the provider from the option or the base URL, and maps models through aliases", async () => {
    const client = instrumentOpenAI(clientFor(mocks.instrumented), {
      meter: collector.meter,
      provider: "azure",
      modelAliases: { "my-deployment": "gpt-4o-mini" },
    });
    await client.chat.completions.create({ model: "my-deployment", messages });
    const [event] = await collector.recorded();
    expect(event).toMatchObject({ provider: "azure", model: "gpt-4o-mini" });
  });

  it("claims a framework's recording scope, so LangChain or the AI SDK do not count the call again", async () => {
    const scope = createRecordingScope("langchain", { "langchain.run_id": "run-1" });
    const completion = await runInRecordingScope(scope, () =>
      instrumented.chat.completions.create({ model: "gpt-4o-mini", messages }),
    );
    const stream = await runInRecordingScope(scope, () =>
      instrumented.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }),
    );
    const chunks = await collect(stream);
    expect(scope.claimedCalls).toBeGreaterThanOrEqual(2);
    expect(wasRecordedByProviderSdk(completion.id)).toBe(true);
    expect(wasRecordedByProviderSdk(chunks[0]?.id)).toBe(true);
    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.attributes).toEqual({ "langchain.run_id": "run-1" });
  });
});
