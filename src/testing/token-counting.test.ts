import { describe, expect, it } from "vitest";
import { countAnthropicPrompt } from "./anthropic-api.ts";
import {
  cachedTokensFor,
  countContentTokens,
  countTextTokens,
  IMAGE_TOKENS,
} from "./token-counting.ts";

describe("token counting", () => {
  it("counts ceil(length / 4) per text", () => {
    expect(countTextTokens("")).toBe(0);
    expect(countTextTokens("abcd")).toBe(1);
    expect(countTextTokens("abcde")).toBe(2);
  });

  it("counts each text part of every provider's content shape, and images at a flat rate", () => {
    const text = "twelve chars";
    expect(countContentTokens(text)).toBe(3);
    expect(
      countContentTokens([
        { type: "text", text },
        { type: "input_text", text },
        { text },
        { type: "image_url", image_url: { url: "data:" } },
        { type: "tool_result", content: [{ type: "text", text }] },
      ]),
    ).toBe(3 * 4 + IMAGE_TOKENS);
  });

  it("never reports more cached tokens than the prompt has", () => {
    expect(cachedTokensFor(9, 0.5)).toBe(4);
    expect(cachedTokensFor(9, 1)).toBe(9);
    expect(cachedTokensFor(9, 0)).toBe(0);
  });
});

describe("countAnthropicPrompt", () => {
  it("attributes the tokens before each cache breakpoint to that breakpoint's TTL", () => {
    const tool = { name: "lookup", description: "find a price", input_schema: { type: "object" } };
    const usage = countAnthropicPrompt({
      tools: [{ ...tool, cache_control: { type: "ephemeral", ttl: "1h" } }],
      system: [{ type: "text", text: "x".repeat(40), cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "y".repeat(20) }],
    });
    const toolTokens = Math.ceil(JSON.stringify(tool).length / 4);
    expect(usage.cacheWrite1h).toBe(toolTokens);
    expect(usage.cacheWrite5m).toBe(3 + 10);
    expect(usage.total).toBe(toolTokens + 3 + 10 + 3 + 5);
  });

  it("writes nothing without cache_control", () => {
    const usage = countAnthropicPrompt({ messages: [{ role: "user", content: "hello" }] });
    expect(usage).toEqual({ total: 3 + 2, cacheWrite5m: 0, cacheWrite1h: 0 });
  });
});
