import { describe, expect, it } from "vitest";
import { normalizeProviderName } from "./provider-name.ts";

describe("normalizeProviderName", () => {
  it.each([
    ["openai", "openai"],
    ["azure_openai", "azure"],
    ["anthropic", "anthropic"],
    ["google_genai", "google"],
    ["ChatGoogleGenerativeAI", "google"],
    ["ChatAnthropic", "anthropic"],
    ["amazon_bedrock", "bedrock"],
    ["SomethingNew", "somethingnew"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeProviderName(input)).toBe(expected);
  });
});
