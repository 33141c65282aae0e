// A call an enforced budget refuses comes back from every wrapped SDK as a rejected promise, as
// any SDK failure does, so `.catch()` and `Promise.all` see it; and nothing is sent.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../src/budgets/budget-exceeded-error.ts";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../../src/integrations/google/index.ts";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";

let mock: MockProvider;
let meter: Meter;
beforeAll(async () => {
  mock = await startMockProvider();
  meter = createMeter({
    store: false,
    pricing: false,
    diagnostics: () => {},
    configContext: { env: { LLMETER_CONFIG: "none" } },
    budgets: [{ window: "day", limitUsd: 1, enforce: true }],
  });
  meter.recordLlm({ provider: "openai", model: "gpt-4o", costUsd: 2 });
  await meter.flush();
});
afterAll(async () => {
  await meter.shutdown();
  await mock.close();
});

/** Calls `send` three times at once, as `Promise.all(items.map(...))` does. */
async function expectRejectedNotThrown(send: () => Promise<unknown>): Promise<void> {
  mock.requests.length = 0;
  let all: Promise<unknown[]> | undefined;
  expect(() => {
    all = Promise.all([1, 2, 3].map(() => send()));
  }).not.toThrow();
  await expect(all).rejects.toSatisfy(BudgetExceededError.isInstance);
  expect(mock.requests).toHaveLength(0);
}

describe("an enforced budget refusing a wrapped SDK call", () => {
  it("OpenAI chat completions reject", async () => {
    const client = instrumentOpenAI(
      new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter },
    );
    await expectRejectedNotThrown(() =>
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Hi" }],
      }),
    );
  });

  it("Anthropic messages reject", async () => {
    const client = instrumentAnthropic(
      new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "test", maxRetries: 0 }),
      { meter },
    );
    await expectRejectedNotThrown(() =>
      client.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 64,
        messages: [{ role: "user", content: "Hi" }],
      }),
    );
  });

  it("Gemini generateContent rejects", async () => {
    const client = instrumentGoogleGenAI(
      new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: mock.geminiBaseUrl } }),
      { meter },
    );
    await expectRejectedNotThrown(() =>
      client.models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" }),
    );
  });
});
