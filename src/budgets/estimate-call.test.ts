import { describe, expect, it } from "vitest";
import { estimateRequest, estimateRequestTokens, requestOutputLimit } from "./estimate-call.ts";

describe("estimateRequest", () => {
  it("counts the prompt's characters / 4 plus a per-message overhead, skipping ids and roles", () => {
    const body = {
      model: "gpt-4o-mini-with-a-very-long-name",
      messages: [
        { role: "system", content: "x".repeat(40) },
        { role: "user", content: [{ type: "text", text: "y".repeat(81) }] },
      ],
      max_completion_tokens: 300,
    };
    // ceil(121 / 4) = 31, plus 4 per message.
    expect(estimateRequestTokens(body)).toBe(31 + 8);
    expect(estimateRequest(body)).toEqual({ inputTokens: 39, maxOutputTokens: 300 });
  });

  it("finds the output limit under each provider's name", () => {
    expect(requestOutputLimit({ max_tokens: 10 })).toBe(10);
    expect(requestOutputLimit({ max_output_tokens: 11 })).toBe(11);
    expect(requestOutputLimit({ config: { maxOutputTokens: 12 } })).toBe(12);
    expect(requestOutputLimit({ messages: [] })).toBeUndefined();
  });

  it("reads Gemini contents and Anthropic system prompts", () => {
    expect(estimateRequestTokens({ contents: "z".repeat(400) })).toBe(100);
    expect(
      estimateRequestTokens({
        system: "a".repeat(8),
        messages: [{ role: "user", content: "b".repeat(8) }],
      }),
    ).toBe(4 + 4);
  });
});
