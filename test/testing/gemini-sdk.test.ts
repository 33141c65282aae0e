// Drives the real `@google/genai` SDK against the mock provider: generateContent plain and
// streamed, usageMetadata (cached, thoughts, tool-use prompt tokens), countTokens and embeddings.

import { GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TOOL_USE_PROMPT_TOKENS } from "../../src/testing/gemini-api.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { expectedPromptTokens, parseSse, postRaw, wordCount } from "./wire-helpers.ts";

const OPTIONS = { replyWords: 9, chunks: 3, reasoningTokens: 40, cachedShare: 0 };
const SYSTEM = "Answer like a careful accountant.";
const QUESTION = "How much did last week's embedding calls cost?";
// The API version the SDK calls by default: v1 since @google/genai 3 (v1beta before).
const GEMINI_API_VERSION = "v1";

let mock: MockProvider;
let client: GoogleGenAI;

beforeAll(async () => {
  mock = await startMockProvider(OPTIONS);
  client = new GoogleGenAI({
    apiKey: "gemini-secret",
    httpOptions: { baseUrl: mock.geminiBaseUrl },
  });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.setOptions(OPTIONS);
  mock.requests.length = 0;
});

describe("generateContent", () => {
  it("answers with usageMetadata, modelVersion and a response id (no thinking on 2.0)", async () => {
    const response = await client.models.generateContent({
      model: "gemini-2.0-flash",
      contents: QUESTION,
      config: { systemInstruction: SYSTEM },
    });
    const prompt = expectedPromptTokens(SYSTEM, QUESTION);
    expect(mock.requests[0]?.path).toBe(
      `/${GEMINI_API_VERSION}/models/gemini-2.0-flash:generateContent`,
    );
    expect(response.modelVersion).toBe("gemini-2.0-flash");
    expect(response.responseId).toBeTruthy();
    expect(wordCount(response.text ?? "")).toBe(OPTIONS.replyWords);
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    // Zero counts are omitted, as in the real API's proto3 JSON.
    expect(response.usageMetadata).toEqual({
      promptTokenCount: prompt,
      candidatesTokenCount: OPTIONS.replyWords,
      totalTokenCount: prompt + OPTIONS.replyWords,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    });
  });

  it("reports thoughts for 2.5 models (outside candidatesTokenCount) and cached content", async () => {
    mock.setOptions({ cachedShare: 0.5 });
    const response = await client.models.generateContent({
      model: "gemini-2.5-flash",
      contents: QUESTION,
    });
    const prompt = expectedPromptTokens(QUESTION);
    const cached = Math.floor(prompt * 0.5);
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: prompt,
      candidatesTokenCount: OPTIONS.replyWords,
      thoughtsTokenCount: OPTIONS.reasoningTokens,
      cachedContentTokenCount: cached,
      totalTokenCount: prompt + OPTIONS.replyWords + OPTIONS.reasoningTokens,
      cacheTokensDetails: [{ modality: "TEXT", tokenCount: cached }],
    });
  });

  it("turns thinking off with thinkingBudget 0 and shows thoughts with includeThoughts", async () => {
    const off = await client.models.generateContent({
      model: "gemini-2.5-flash",
      contents: QUESTION,
      config: { thinkingConfig: { thinkingBudget: 0 } },
    });
    expect(off.usageMetadata?.thoughtsTokenCount).toBeUndefined();
    const shown = await client.models.generateContent({
      model: "gemini-2.5-pro",
      contents: QUESTION,
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 10 } },
    });
    const parts = shown.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]?.thought).toBe(true);
    expect(shown.usageMetadata?.thoughtsTokenCount).toBe(10);
    // `text` skips thought parts.
    expect(wordCount(shown.text ?? "")).toBe(OPTIONS.replyWords);
  });

  it("reports toolUsePromptTokenCount for built-in tools", async () => {
    const response = await client.models.generateContent({
      model: "gemini-2.0-flash",
      contents: QUESTION,
      config: { tools: [{ googleSearch: {} }] },
    });
    const prompt = expectedPromptTokens(QUESTION);
    expect(response.usageMetadata?.toolUsePromptTokenCount).toBe(TOOL_USE_PROMPT_TOKENS);
    expect(response.usageMetadata?.totalTokenCount).toBe(
      prompt + OPTIONS.replyWords + TOOL_USE_PROMPT_TOKENS,
    );
  });

  it("stops at maxOutputTokens with finishReason MAX_TOKENS", async () => {
    const response = await client.models.generateContent({
      model: "gemini-2.0-flash",
      contents: QUESTION,
      config: { maxOutputTokens: 2 },
    });
    expect(response.candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
    expect(response.usageMetadata?.candidatesTokenCount).toBe(2);
  });
});

describe("generateContentStream", () => {
  it("streams partial responses with running usage; the last has the finish reason and final usage", async () => {
    const plain = await client.models.generateContent({
      model: "gemini-2.5-flash",
      contents: QUESTION,
    });
    const stream = await client.models.generateContentStream({
      model: "gemini-2.5-flash",
      contents: QUESTION,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(mock.requests.at(-1)?.path).toBe(
      `/${GEMINI_API_VERSION}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
    );
    expect(chunks).toHaveLength(OPTIONS.chunks);
    expect(chunks.map((chunk) => chunk.text).join("")).toBe(plain.text);
    expect(chunks.at(-1)?.usageMetadata).toEqual(plain.usageMetadata);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe("STOP");
    // Earlier chunks carry running totals: candidates so far, never the final count.
    let wordsSoFar = 0;
    for (const chunk of chunks.slice(0, -1)) {
      wordsSoFar += wordCount(chunk.text ?? "");
      expect(chunk.candidates?.[0]?.finishReason).toBeUndefined();
      expect(chunk.usageMetadata?.candidatesTokenCount).toBe(wordsSoFar);
      expect(chunk.usageMetadata?.thoughtsTokenCount).toBe(OPTIONS.reasoningTokens);
    }
    expect(wordsSoFar).toBeLessThan(OPTIONS.replyWords);
  });

  it("frames events as data: lines separated by CRLF CRLF", async () => {
    const raw = await postRaw(
      `${mock.geminiBaseUrl}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`,
      { contents: [{ role: "user", parts: [{ text: QUESTION }] }] },
    );
    const events = parseSse(raw.text, "\r\n\r\n");
    expect(events).toHaveLength(OPTIONS.chunks);
    for (const event of events) expect(JSON.parse(event.data).candidates).toHaveLength(1);
  });
});

describe("countTokens and embeddings", () => {
  it("counts prompt tokens", async () => {
    const count = await client.models.countTokens({
      model: "gemini-2.5-flash",
      contents: QUESTION,
    });
    expect(count.totalTokens).toBe(expectedPromptTokens(QUESTION));
  });

  it("embeds several contents through batchEmbedContents, honouring outputDimensionality", async () => {
    const result = await client.models.embedContent({
      model: "gemini-embedding-001",
      contents: ["alpha", "beta"],
    });
    expect(mock.requests[0]?.path).toBe(
      `/${GEMINI_API_VERSION}/models/gemini-embedding-001:batchEmbedContents`,
    );
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings?.[0]?.values).toHaveLength(3072);
    expect(result.embeddings?.[0]?.values).not.toEqual(result.embeddings?.[1]?.values);
    const small = await client.models.embedContent({
      model: "gemini-embedding-001",
      contents: "alpha",
      config: { outputDimensionality: 16 },
    });
    expect(small.embeddings?.[0]?.values).toHaveLength(16);
  });

  it("redacts the x-goog-api-key header", async () => {
    await client.models.countTokens({ model: "gemini-2.5-flash", contents: QUESTION });
    expect(mock.requests[0]?.headers["x-goog-api-key"]).toBe("[redacted]");
    expect(JSON.stringify(mock.requests)).not.toContain("gemini-secret");
  });
});
