import { describe, expect, it } from "vitest";
import { canonicalProvider, detectProvider, parseModelId } from "./model-id.ts";

describe("parseModelId", () => {
  it("strips date suffixes after trying the exact id", () => {
    expect(parseModelId("gpt-4o-2024-08-06").candidates).toEqual(["gpt-4o-2024-08-06", "gpt-4o"]);
    expect(parseModelId("claude-sonnet-4-5-20250929").candidates).toEqual([
      "claude-sonnet-4-5-20250929",
      "claude-sonnet-4-5",
    ]);
  });

  it("understands Bedrock inference profiles and model ids", () => {
    const parsed = parseModelId("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    expect(parsed.bedrockScope).toBe("regional");
    expect(parsed.providerHint).toBe("anthropic");
    expect(parsed.candidates.at(-1)).toBe("claude-sonnet-4-5");
    expect(parseModelId("global.anthropic.claude-haiku-4-5-20251001-v1:0").bedrockScope).toBe(
      "global",
    );
    expect(parseModelId("anthropic.claude-3-5-sonnet-20241022-v2:0").candidates).toContain(
      "claude-3-5-sonnet",
    );
  });

  it("understands Vertex ids and resource paths", () => {
    expect(parseModelId("claude-sonnet-4-5@20250929").candidates).toContain("claude-sonnet-4-5");
    const path = parseModelId(
      "projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-5@20251101",
    );
    expect(path.providerHint).toBe("anthropic");
    expect(path.candidates).toContain("claude-opus-4-5");
    expect(parseModelId("models/gemini-2.5-pro").candidates).toContain("gemini-2.5-pro");
  });

  it("handles provider/model prefixes, case, whitespace and dotted Claude versions", () => {
    const parsed = parseModelId("  OpenRouter/Anthropic/Claude-Sonnet-4.5 ");
    expect(parsed.providerHint).toBe("anthropic");
    expect(parsed.candidates).toContain("claude-sonnet-4.5");
    expect(parsed.candidates).toContain("claude-sonnet-4-5");
    expect(parseModelId("gpt-4.1").candidates).toEqual(["gpt-4.1"]);
    expect(parseModelId("llama3.2:latest").candidates).toContain("llama3.2");
  });
});

describe("providers", () => {
  it("canonicalizes names and detects providers from model ids", () => {
    expect(canonicalProvider("Azure_OpenAI")).toBe("azure");
    expect(canonicalProvider("vertex_ai")).toBe("vertex");
    expect(canonicalProvider("x-ai")).toBe("xai");
    expect(detectProvider("gpt-4o")).toBe("openai");
    expect(detectProvider("claude-3-haiku")).toBe("anthropic");
    expect(detectProvider("gemini-2.5-flash")).toBe("google");
    expect(detectProvider("mistral-large-2411")).toBe("mistral");
    expect(detectProvider("grok-4")).toBe("xai");
    expect(detectProvider("eu.anthropic.claude-3-haiku-20240307-v1:0")).toBe("bedrock");
    expect(detectProvider("some-private-model")).toBeUndefined();
  });
});
