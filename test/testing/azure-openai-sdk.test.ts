// The `AzureOpenAI` client against the mock provider's Azure routes: deployment paths, the
// deployment's model reported back, content-filter annotations, and Azure's stream opening chunk
// with empty choices (which must not be mistaken for the usage chunk).

import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { expectedPromptTokens } from "./wire-helpers.ts";

const QUESTION = "Which team spent the most this week?";
let mock: MockProvider;
let client: AzureOpenAI;

beforeAll(async () => {
  mock = await startMockProvider({
    replyWords: 6,
    chunks: 3,
    deployments: { "prod-chat": "gpt-4o-2024-11-20", "prod-embed": "text-embedding-3-large" },
  });
  client = new AzureOpenAI({
    endpoint: mock.url,
    apiKey: "azure-secret",
    apiVersion: "2024-10-21",
    maxRetries: 0,
  });
});
afterAll(() => mock.close());

describe("Azure OpenAI", () => {
  it("serves a deployment and reports the deployment's model", async () => {
    const completion = await client.chat.completions.create({
      model: "prod-chat",
      messages: [{ role: "user", content: QUESTION }],
    });
    const request = mock.requests.at(-1);
    expect(request?.path).toBe(
      "/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21",
    );
    expect(request?.headers["api-key"]).toBe("[redacted]");
    expect(completion.model).toBe("gpt-4o-2024-11-20");
    expect(completion.usage?.prompt_tokens).toBe(expectedPromptTokens(QUESTION));
    expect(completion).toHaveProperty("prompt_filter_results");
    expect(completion.choices[0]).toHaveProperty("content_filter_results");
  });

  it("opens a stream with Azure's empty-choices filter chunk, and ends with the usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "prod-chat",
      messages: [{ role: "user", content: QUESTION }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices).toEqual([]);
    expect(chunks[0]?.usage).toBeUndefined();
    expect(chunks[0]).toHaveProperty("prompt_filter_results");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(6);
    expect(chunks[1]?.model).toBe("gpt-4o-2024-11-20");
  });

  it("embeds through a deployment", async () => {
    const result = await client.embeddings.create({ model: "prod-embed", input: QUESTION });
    expect(mock.requests.at(-1)?.path).toMatch(/^\/openai\/deployments\/prod-embed\/embeddings\?/);
    expect(result.model).toBe("text-embedding-3-large");
    expect(result.data[0]?.embedding).toHaveLength(3072);
  });
});
