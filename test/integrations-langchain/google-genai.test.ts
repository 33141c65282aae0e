import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelRegistry } from "../../src/integrations/langchain/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createTestMeter } from "./test-meter.ts";

let mock: MockProvider;

beforeAll(async () => {
  mock = await startMockProvider({ chunks: 4 });
});
afterAll(async () => {
  await mock.close();
});

describe("registry with @langchain/google-genai", () => {
  it("records Gemini calls (invoke and stream) with the usage Gemini reported", async () => {
    const metered = createTestMeter();
    const registry = createModelRegistry({ telemetry: { meter: metered.meter } });
    const llm = await registry.getLlm({
      provider: "google",
      model: "gemini-2.5-flash",
      apiKey: "test-key",
      baseUrl: mock.geminiBaseUrl,
    });
    const answer = await llm.invoke("Hello Gemini");
    for await (const _chunk of await llm.stream("Hello again")) {
      // consume
    }
    const events = await metered.events();

    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      provider: "google",
      model: "gemini-2.5-flash",
      inputTokens: answer.usage_metadata?.input_tokens,
      outputTokens: answer.usage_metadata?.output_tokens,
      success: true,
    });
    expect(events[0]?.inputTokens).toBeGreaterThan(0);
    expect(events[1]).toMatchObject({ streaming: true, provider: "google" });
    expect(events[1]?.outputTokens).toBeGreaterThan(0);
  });
});
