import { OpenAIEmbeddings } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instrumentEmbeddings } from "../../src/integrations/langchain/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createTestMeter } from "./test-meter.ts";

let mock: MockProvider;

beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(async () => {
  await mock.close();
});

function embeddings(headers: Record<string, string> = {}) {
  return new OpenAIEmbeddings({
    model: "text-embedding-3-small",
    apiKey: "test-key",
    maxRetries: 0,
    configuration: { baseURL: mock.openaiBaseUrl, defaultHeaders: headers },
  });
}

describe("instrumentEmbeddings", () => {
  it("records embedDocuments and embedQuery with estimated tokens, unchanged results", async () => {
    const metered = createTestMeter();
    const plain = await embeddings().embedDocuments(["alpha beta", "gamma"]);
    const measured = instrumentEmbeddings(embeddings(), { meter: metered.meter });
    const documents = await measured.embedDocuments(["alpha beta", "gamma"]);
    await measured.embedQuery("what is alpha?");
    const events = await metered.events();

    expect(documents).toEqual(plain);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      kind: "embedding",
      operation: "embeddings",
      provider: "openai",
      model: "text-embedding-3-small",
      characters: "alpha beta".length + "gamma".length,
      inputTokens: Math.ceil(("alpha beta".length + "gamma".length) / 4),
      estimated: true,
      success: true,
    });
    expect(events[1]?.characters).toBe("what is alpha?".length);
  });

  it("records a failure and rethrows it", async () => {
    const metered = createTestMeter();
    const measured = instrumentEmbeddings(embeddings({ "x-mock-fail": "500" }), {
      meter: metered.meter,
    });
    await expect(measured.embedQuery("boom")).rejects.toThrow();
    const events = await metered.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ success: false, kind: "embedding" });
  });

  it("instrumenting twice records once", async () => {
    const metered = createTestMeter();
    const measured = instrumentEmbeddings(
      instrumentEmbeddings(embeddings(), { meter: metered.meter }),
    );
    await measured.embedQuery("once");
    expect(await metered.events()).toHaveLength(1);
  });
});
