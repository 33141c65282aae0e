import { AzureOpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import type { MockProvider } from "../../src/testing/index.ts";
import {
  type CollectingMeter,
  collect,
  comparable,
  createCollectingMeter,
  startMockPair,
} from "./integration-helpers.ts";

const deployment = "prod-chat";
const messages = [{ role: "user" as const, content: "Hello from Azure." }];

let mocks: Awaited<ReturnType<typeof startMockPair>>;
let collector: CollectingMeter;

function clientFor(mock: MockProvider): AzureOpenAI {
  return new AzureOpenAI({
    baseURL: `${mock.url}/openai`,
    apiKey: "test",
    apiVersion: "2024-10-21",
    deployment,
    maxRetries: 0,
  });
}

beforeEach(async () => {
  mocks = await startMockPair({ chunks: 4, deployments: { [deployment]: "gpt-4o-2024-08-06" } });
  collector = createCollectingMeter();
});

afterEach(async () => {
  await mocks.close();
});

describe("instrumentOpenAI on an AzureOpenAI client", () => {
  it("records provider azure and maps the deployment to its model through aliases", async () => {
    const bare = clientFor(mocks.bare);
    const instrumented = instrumentOpenAI(clientFor(mocks.instrumented), {
      meter: collector.meter,
      modelAliases: { [deployment]: "gpt-4o" },
    });
    const expected = await bare.chat.completions.create({ model: deployment, messages });
    const actual = await instrumented.chat.completions.create({ model: deployment, messages });
    expect(comparable(actual)).toBe(comparable(expected));

    // Azure's stream opens with a chunk that has empty choices, no id and no model.
    const bareChunks = await collect(
      await bare.chat.completions.create({ model: deployment, messages, stream: true }),
    );
    const chunks = await collect(
      await instrumented.chat.completions.create({ model: deployment, messages, stream: true }),
    );
    expect(chunks.map(comparable)).toEqual(bareChunks.map(comparable));
    expect(chunks[0]?.model).toBe("");

    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        provider: "azure",
        model: "gpt-4o",
        responseModel: "gpt-4o-2024-08-06",
        inputTokens: actual.usage?.prompt_tokens,
        outputTokens: actual.usage?.completion_tokens,
        success: true,
      });
    }
    expect(events[1]?.chunks).toBe(chunks.length);
    expect(events[0]?.costUsd).toBeGreaterThan(0);
  });
});
