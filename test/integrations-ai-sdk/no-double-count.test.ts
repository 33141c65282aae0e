import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText, wrapLanguageModel } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { llmeterMiddleware } from "../../src/integrations/ai-sdk/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import {
  createRecordingFetch,
  type RecordingFetch,
} from "../integrations-langchain/server-usage.ts";
import { createTestMeter, type TestMeter } from "../integrations-langchain/test-meter.ts";

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

type LanguageModel = Parameters<typeof wrapLanguageModel>[0]["model"];

/**
 * A minimal AI SDK provider model that calls an `openai` client, as custom providers and
 * gateways do: here the client is instrumented by llmeter's SDK integration.
 */
function modelOverClient(client: OpenAI): LanguageModel {
  return {
    specificationVersion: "v3",
    provider: "openai.custom",
    modelId: "gpt-4o-mini",
    supportedUrls: {},
    async doGenerate(options) {
      const messages = options.prompt.map((message) => ({
        role: message.role === "system" ? "system" : "user",
        content:
          typeof message.content === "string"
            ? message.content
            : message.content.map((part) => ("text" in part ? part.text : "")).join(""),
      })) as OpenAI.Chat.ChatCompletionMessageParam[];
      const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const usage = completion.usage;
      return {
        content: [{ type: "text", text: completion.choices[0]?.message.content ?? "" }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: {
            total: usage?.prompt_tokens,
            noCache: undefined,
            cacheRead: undefined,
            cacheWrite: undefined,
          },
          outputTokens: { total: usage?.completion_tokens, text: undefined, reasoning: undefined },
        },
        warnings: [],
        response: { id: completion.id, modelId: completion.model },
      };
    },
    async doStream() {
      throw new Error("not used in this test");
    },
  } as LanguageModel;
}

describe("no double counting: AI SDK middleware over instrumented layers", () => {
  it("a provider over an instrumented client: one priced event, the SDK's", async () => {
    const client = instrumentOpenAI(
      new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "k", maxRetries: 0, fetch: server.fetch }),
      { meter: metered.meter },
    );
    const model = wrapLanguageModel({
      model: modelOverClient(client),
      middleware: llmeterMiddleware({ meter: metered.meter }),
    });
    await generateText({ model, prompt: "Hello", maxRetries: 0 });
    await generateText({ model, prompt: "Hello again", maxRetries: 0 });
    const reported = await server.settled();
    const events = await metered.events();

    expect(reported).toHaveLength(2);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.costUsd).toBeGreaterThan(0);
      expect(reported.map((usage) => usage.inputTokens)).toContain(event.inputTokens);
    }
  });

  it("two llmeter middlewares stacked record each call once (generate and stream)", async () => {
    const provider = createOpenAI({
      baseURL: mock.openaiBaseUrl,
      apiKey: "k",
      fetch: server.fetch,
    });
    const inner = wrapLanguageModel({
      model: provider.chat("gpt-4o-mini"),
      middleware: llmeterMiddleware({ meter: metered.meter }),
    });
    const outer = wrapLanguageModel({
      model: inner,
      middleware: llmeterMiddleware({ meter: metered.meter, attributes: { layer: "outer" } }),
    });
    await generateText({ model: outer, prompt: "Hello", maxRetries: 0 });
    const stream = streamText({ model: outer, prompt: "Stream", maxRetries: 0 });
    await stream.consumeStream();
    const reported = await server.settled();
    const events = await metered.events();

    expect(reported).toHaveLength(2);
    expect(events).toHaveLength(2);
    // The innermost layer recorded: the outer one's attributes are absent.
    for (const event of events) expect(event.attributes?.layer).toBeUndefined();
    expect(events.map((event) => event.streaming).sort()).toEqual([false, true]);
  });
});
