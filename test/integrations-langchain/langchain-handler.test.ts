import { ChatAnthropic } from "@langchain/anthropic";
import { InMemoryCache } from "@langchain/core/caches";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLlmeterCallbackHandler } from "../../src/integrations/langchain/index.ts";
import { withAttribution } from "../../src/meter/attribution.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createRecordingFetch, type RecordingFetch } from "./server-usage.ts";
import { createTestMeter, type TestMeter, testCost } from "./test-meter.ts";

let mock: MockProvider;
let server: RecordingFetch;
let metered: TestMeter;

beforeAll(async () => {
  mock = await startMockProvider({ chunks: 6 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  server = createRecordingFetch();
  metered = createTestMeter();
});

function openaiModel(extra: Record<string, unknown> = {}) {
  return new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: "test-key",
    maxRetries: 0,
    configuration: { baseURL: mock.openaiBaseUrl, fetch: server.fetch },
    callbacks: [createLlmeterCallbackHandler({ meter: metered.meter })],
    ...extra,
  });
}

function anthropicModel() {
  return new ChatAnthropic({
    model: "claude-sonnet-4-5",
    apiKey: "test-key",
    maxRetries: 0,
    anthropicApiUrl: mock.anthropicBaseUrl,
    clientOptions: { fetch: server.fetch },
    callbacks: [createLlmeterCallbackHandler({ meter: metered.meter })],
  });
}

describe("LangChain callback handler with ChatOpenAI", () => {
  it("records an invoke with the tokens the server reported, priced", async () => {
    const answer = await openaiModel().invoke("What is the capital of France?");
    const [reported] = await server.settled();
    const events = await metered.events();

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(reported?.inputTokens).toBeGreaterThan(0);
    expect(event).toMatchObject({
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o-mini",
      requestId: reported?.id,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      totalTokens: (reported?.inputTokens ?? 0) + (reported?.outputTokens ?? 0),
      success: true,
    });
    expect(event.responseModel).toMatch(/^gpt-4o-mini/);
    expect(event.streaming).toBeUndefined();
    expect(event.costUsd).toBeCloseTo(
      testCost(reported!.inputTokens!, reported!.outputTokens!),
      12,
    );
    expect(event.attributes?.["langchain.run_id"]).toEqual(expect.any(String));
    expect(answer.content).not.toBe("");
  });

  it("records a stream with its time to first token and chunks", async () => {
    let text = "";
    for await (const chunk of await openaiModel().stream("Tell me a story")) text += chunk.content;
    const [reported] = await server.settled();
    const [event] = await metered.events();

    expect(text.length).toBeGreaterThan(0);
    expect(event).toMatchObject({
      streaming: true,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      success: true,
    });
    expect(event?.chunks).toBeGreaterThanOrEqual(6);
    expect(event?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(event?.timeToFirstTokenMs).toBeLessThanOrEqual(event?.latencyMs ?? -1);
  });

  it("records each prompt of a batch as its own call", async () => {
    await openaiModel().batch(["one", "two words", "three words here"]);
    const reported = await server.settled();
    const events = await metered.events();

    expect(events).toHaveLength(3);
    const runIds = new Set(events.map((event) => event.attributes?.["langchain.run_id"]));
    expect(runIds.size).toBe(3);
    // Each recorded call matches one server response, by its id.
    for (const event of events) {
      const match = reported.find((usage) => usage.id === event.requestId);
      expect(match).toBeDefined();
      expect(event.inputTokens).toBe(match?.inputTokens);
      expect(event.outputTokens).toBe(match?.outputTokens);
    }
  });

  function twoCallChain(model: ChatOpenAI) {
    const summarize = ChatPromptTemplate.fromTemplate("Summarize: {text}")
      .pipe(model)
      .pipe(new StringOutputParser());
    const translate = RunnableLambda.from((summary: string) => ({ text: summary }))
      .pipe(ChatPromptTemplate.fromTemplate("Translate to French: {text}"))
      .pipe(model)
      .pipe(new StringOutputParser());
    // The config is passed on explicitly: plain @langchain/core does not enable its implicit
    // AsyncLocalStorage config propagation unless LangGraph or `langchain` set it up.
    return summarize.pipe(
      RunnableLambda.from((summary: string, config) => translate.invoke(summary, config)),
    );
  }

  it("groups the two calls of a chain under one root run when given to the chain", async () => {
    const handler = createLlmeterCallbackHandler({ meter: metered.meter });
    const model = new ChatOpenAI({
      model: "gpt-4o-mini",
      apiKey: "test-key",
      configuration: { baseURL: mock.openaiBaseUrl },
    });
    const output = await twoCallChain(model).invoke(
      { text: "a long text" },
      { callbacks: [handler] },
    );
    const events = await metered.events();

    expect(typeof output).toBe("string");
    expect(events).toHaveLength(2);
    const roots = new Set(events.map((event) => event.attributes?.["langchain.root_run_id"]));
    expect(roots.size).toBe(1);
    expect([...roots][0]).toEqual(expect.any(String));
    // The root is the outer chain, not either model run.
    for (const event of events)
      expect(event.attributes?.["langchain.run_id"]).not.toBe([...roots][0]);
  });

  it("carries attribution and run metadata to every call of a chain", async () => {
    const output = await withAttribution({ tenantId: "acme" }, () =>
      twoCallChain(openaiModel()).invoke(
        { text: "a long text" },
        { metadata: { session_id: "s-42", user_id: "u-7" } },
      ),
    );
    const events = await metered.events();

    expect(typeof output).toBe("string");
    expect(events).toHaveLength(2);
    for (const event of events)
      expect(event).toMatchObject({ tenantId: "acme", sessionId: "s-42", userId: "u-7" });
  });

  it("records a LangChain cache hit as cached, with zero tokens and zero cost", async () => {
    const model = openaiModel({ cache: new InMemoryCache() });
    const first = await model.invoke("Cache me");
    const second = await model.invoke("Cache me");
    const events = await metered.events();

    expect(second.content).toBe(first.content);
    expect(mock.requests.filter((request) => request.body !== undefined).length).toBeGreaterThan(0);
    expect(server.usages).toHaveLength(1);
    expect(events).toHaveLength(2);
    expect(events[0]?.cached).toBeUndefined();
    expect(events[1]).toMatchObject({ cached: true, inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it("records a failed call with its error type and rethrows it unchanged", async () => {
    const model = openaiModel({
      configuration: {
        baseURL: mock.openaiBaseUrl,
        defaultHeaders: { "x-mock-fail": "429" },
      },
    });
    const failure = await model.invoke("fail please").catch((error: unknown) => error);
    const events = await metered.events();

    expect(failure).toBeInstanceOf(Error);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, provider: "openai", model: "gpt-4o-mini" });
    expect(events[0]?.errorType).toBe((failure as Error).constructor.name);
    expect(events[0]?.inputTokens).toBeUndefined();
  });

  it("records a model call with bound tools (an agent step)", async () => {
    const lookup = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
      name: "weather",
      description: "Weather of a city",
      schema: z.object({ city: z.string() }),
    });
    await openaiModel().bindTools([lookup]).invoke("Weather in Paris?");
    const [reported] = await server.settled();
    const [event] = await metered.events();
    const sentTools = (mock.requests.at(-1)?.body as { tools?: unknown[] } | undefined)?.tools;

    expect(sentTools).toHaveLength(1);
    expect(event).toMatchObject({
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
    });
  });

  it("uses the global meter at call time when none is given, and a disabled one not at all", async () => {
    const { setGlobalMeter } = await import("../../src/meter/global-meter.ts");
    const model = openaiModel({ callbacks: [createLlmeterCallbackHandler()] });
    setGlobalMeter(metered.meter);
    try {
      await model.invoke("global");
    } finally {
      setGlobalMeter(undefined);
    }
    await model.invoke("no meter now");
    expect(await metered.events()).toHaveLength(1);
  });

  it("never breaks the call when the meter's sink throws", async () => {
    const { createMeter } = await import("../../src/meter/create-meter.ts");
    const { silentDiagnostics } = await import("../../src/meter/diagnostics.ts");
    const meter = createMeter({
      store: false,
      sinks: [
        () => {
          throw new Error("sink down");
        },
      ],
      diagnostics: silentDiagnostics,
      configContext: { env: {}, cwd: "/nonexistent" },
    });
    const model = openaiModel({ callbacks: [createLlmeterCallbackHandler({ meter })] });
    const answer = await model.invoke("still works");
    await meter.flush();
    expect(answer.content).not.toBe("");
  });
});

describe("LangChain callback handler with ChatAnthropic", () => {
  it("records an invoke with Anthropic's input (cache parts included) and output", async () => {
    mock.setOptions({ cachedShare: 0.5 });
    try {
      await anthropicModel().invoke("Explain caching in one paragraph, please.");
    } finally {
      mock.setOptions({ cachedShare: 0 });
    }
    const [reported] = await server.settled();
    const [event] = await metered.events();

    expect(reported?.cacheReadTokens).toBeGreaterThan(0);
    expect(event).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      requestId: reported?.id,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      cacheReadTokens: reported?.cacheReadTokens,
    });
    expect(event?.responseModel).toMatch(/^claude-sonnet-4-5/);
  });

  it("records a stream with the server's final output count", async () => {
    for await (const _chunk of await anthropicModel().stream("Stream a story")) {
      // consume
    }
    const [reported] = await server.settled();
    const [event] = await metered.events();

    expect(event).toMatchObject({
      streaming: true,
      inputTokens: reported?.inputTokens,
      outputTokens: reported?.outputTokens,
      totalTokens: (reported?.inputTokens ?? 0) + (reported?.outputTokens ?? 0),
    });
    expect(event?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  });
});
