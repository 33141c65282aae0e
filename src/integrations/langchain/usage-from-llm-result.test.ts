import { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { outcomeFromLlmResult } from "./usage-from-llm-result.ts";

describe("outcomeFromLlmResult", () => {
  it("reads usage_metadata with cache and reasoning details", () => {
    const message = new AIMessage({
      content: "hi",
      id: "chatcmpl-1",
      usage_metadata: {
        input_tokens: 120,
        output_tokens: 40,
        total_tokens: 160,
        input_token_details: { cache_read: 100, cache_creation: 10 },
        output_token_details: { reasoning: 25 },
      },
      response_metadata: { model_name: "gpt-5-2025-08-07" },
    });
    const outcome = outcomeFromLlmResult({ generations: [[{ text: "hi", message } as never]] });
    expect(outcome).toEqual({
      usage: {
        inputTokens: 120,
        outputTokens: 40,
        totalTokens: 160,
        cacheReadTokens: 100,
        cacheWriteTokens: 10,
        reasoningTokens: 25,
      },
      responseModel: "gpt-5-2025-08-07",
      requestId: "chatcmpl-1",
    });
  });

  it("splits Anthropic cache writes by lifetime when the raw usage has them", () => {
    const message = new AIMessage({
      content: "hi",
      usage_metadata: {
        input_tokens: 50,
        output_tokens: 5,
        total_tokens: 55,
        input_token_details: { cache_creation: 30, cache_read: 0 },
      },
      response_metadata: {
        id: "msg_1",
        model: "claude-sonnet-4-5-20250929",
        usage: { cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 10 } },
      },
    });
    const { usage, requestId } = outcomeFromLlmResult({
      generations: [[{ text: "hi", message } as never]],
    });
    expect(requestId).toBe("msg_1");
    expect(usage).toMatchObject({ cacheWrite5mTokens: 20, cacheWrite1hTokens: 10 });
    expect(usage.cacheWriteTokens).toBeUndefined();
  });

  it("reads one usage per run even when n > 1 choices repeat it", () => {
    const usage_metadata = { input_tokens: 10, output_tokens: 8, total_tokens: 18 };
    const generations = [
      [
        { text: "a", message: new AIMessage({ content: "a", usage_metadata }) },
        { text: "b", message: new AIMessage({ content: "b", usage_metadata }) },
      ],
    ];
    expect(outcomeFromLlmResult({ generations } as never).usage.inputTokens).toBe(10);
  });

  it("falls back to llmOutput.tokenUsage for plain LLMs", () => {
    const outcome = outcomeFromLlmResult({
      generations: [[{ text: "x" }]],
      llmOutput: { tokenUsage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 } },
    });
    expect(outcome.usage).toEqual({ inputTokens: 7, outputTokens: 3, totalTokens: 10 });
  });

  it("marks estimatedTokenUsage as estimated and leaves unknown counts undefined", () => {
    expect(
      outcomeFromLlmResult({
        generations: [[{ text: "x" }]],
        llmOutput: { estimatedTokenUsage: { promptTokens: 7 } },
      }).usage,
    ).toEqual({ inputTokens: 7, estimated: true });
    expect(outcomeFromLlmResult({ generations: [[{ text: "x" }]] }).usage).toEqual({});
  });

  it("does not take LangChain's run-<uuid> message ids for provider ids", () => {
    const message = new AIMessage({ content: "x", id: "run-0199" });
    expect(
      outcomeFromLlmResult({ generations: [[{ text: "x", message } as never]] }).requestId,
    ).toBeUndefined();
  });
});
