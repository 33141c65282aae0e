import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createLlmeterCallbackHandler,
  createModelRegistry,
  instrumentChatModel,
  instrumentEmbeddings,
  scopeProviderCalls,
} from "../../src/integrations/langchain/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createRecordingFetch, type RecordingFetch } from "./server-usage.ts";
import { createTestMeter, type TestMeter } from "./test-meter.ts";

let mock: MockProvider;
let server: RecordingFetch;
let metered: TestMeter;

beforeAll(async () => {
  mock = await startMockProvider({ chunks: 5 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  server = createRecordingFetch();
  metered = createTestMeter();
});

/**
 * Instruments the `openai` client LangChain's ChatOpenAI uses inside (it takes no client from
 * outside): the situation of an application whose OpenAI SDK is instrumented process-wide.
 */
function instrumentLangChainClient(model: ChatOpenAI): void {
  const completions = (model as unknown as { completions: { client?: OpenAI } }).completions;
  (completions as unknown as { _getClientOptions(options: unknown): unknown })._getClientOptions(
    undefined,
  );
  instrumentOpenAI(completions.client!, { meter: metered.meter });
}

/** An `openai` client instrumented by llmeter's SDK integration, as an application would have. */
function instrumentedClient(): OpenAI {
  const client = new OpenAI({
    baseURL: mock.openaiBaseUrl,
    apiKey: "test-key",
    maxRetries: 0,
    fetch: server.fetch,
  });
  return instrumentOpenAI(client, { meter: metered.meter });
}

describe("no double counting: LangChain over an instrumented OpenAI client", () => {
  it("records one priced event per provider call, linked to the LangChain run", async () => {
    const model = instrumentChatModel(
      new ChatOpenAI({
        model: "gpt-4o-mini",
        apiKey: "test-key",
        configuration: { baseURL: mock.openaiBaseUrl, fetch: server.fetch },
      }),
      { meter: metered.meter },
    );
    instrumentLangChainClient(model);

    await model.invoke("first");
    for await (const _chunk of await model.stream("second, streamed")) {
      // consume
    }
    await model.batch(["third", "fourth"]);
    const reported = await server.settled();
    const events = await metered.events();

    expect(reported).toHaveLength(4);
    expect(events).toHaveLength(4);
    for (const event of events) {
      expect(event.costUsd).toBeGreaterThan(0);
      // The SDK's event won, carrying the LangChain run it belongs to.
      expect(event.attributes?.["langchain.run_id"]).toEqual(expect.any(String));
    }
    const recordedInput = events.reduce((sum, event) => sum + (event.inputTokens ?? 0), 0);
    const reportedInput = reported.reduce((sum, usage) => sum + (usage.inputTokens ?? 0), 0);
    expect(recordedInput).toBe(reportedInput);
  });

  it("records a failed call once", async () => {
    const model = scopeProviderCalls(
      new ChatOpenAI({
        model: "gpt-4o-mini",
        apiKey: "test-key",
        maxRetries: 0,
        configuration: {
          baseURL: mock.openaiBaseUrl,
          defaultHeaders: { "x-mock-fail": "500" },
        },
        callbacks: [createLlmeterCallbackHandler({ meter: metered.meter })],
      }),
    );
    instrumentLangChainClient(model);

    await expect(model.invoke("boom")).rejects.toThrow();
    const events = await metered.events();
    expect(events).toHaveLength(1);
    expect(events[0]?.success).toBe(false);
  });

  it("the registry's models do the same when their client is instrumented", async () => {
    const registry = createModelRegistry({
      telemetry: { meter: metered.meter },
      models: {
        fast: {
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: "test-key",
          baseUrl: mock.openaiBaseUrl,
        },
      },
    });
    const llm = (await registry.getLlm("fast")) as ChatOpenAI;
    instrumentLangChainClient(llm);
    await llm.invoke("hello");
    const events = await metered.events();

    expect(events).toHaveLength(1);
    expect(events[0]?.attributes?.["langchain.run_id"]).toEqual(expect.any(String));
    expect(registry.getTelemetry().getUsageSummary().requests).toBe(1);
  });

  it("without the instrumented client the handler records the call itself", async () => {
    const model = scopeProviderCalls(
      new ChatOpenAI({
        model: "gpt-4o-mini",
        apiKey: "test-key",
        configuration: { baseURL: mock.openaiBaseUrl },
        callbacks: [createLlmeterCallbackHandler({ meter: metered.meter })],
      }),
    );
    await model.invoke("hello");
    const events = await metered.events();
    expect(events).toHaveLength(1);
    expect(events[0]?.requestId).toMatch(/^chatcmpl-/);
  });

  it("a bare callback handler over an instrumented client skips the call the SDK recorded", async () => {
    // No scope here: only the completion id the SDK integration claims tells the handler.
    const model = new ChatOpenAI({
      model: "gpt-4o-mini",
      apiKey: "test-key",
      configuration: { baseURL: mock.openaiBaseUrl, fetch: server.fetch },
      callbacks: [createLlmeterCallbackHandler({ meter: metered.meter })],
    });
    instrumentLangChainClient(model);
    await model.invoke("hello");
    for await (const _chunk of await model.stream("streamed hello")) {
      // consume
    }
    const reported = await server.settled();
    const events = await metered.events();
    expect(reported).toHaveLength(2);
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.requestId ?? "").not.toBe("");
  });

  it("LangChain embeddings over an instrumented client record the SDK's exact tokens once", async () => {
    const embeddings = instrumentEmbeddings(
      new OpenAIEmbeddings({ model: "text-embedding-3-small", apiKey: "test-key" }),
      { meter: metered.meter },
    );
    (embeddings as unknown as { client: unknown }).client = instrumentedClient();
    await embeddings.embedDocuments(["alpha", "beta gamma"]);
    const reported = await server.settled();
    const events = await metered.events();

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "embedding", inputTokens: reported[0]?.inputTokens });
    expect(events[0]?.estimated).toBeUndefined();
  });
});
