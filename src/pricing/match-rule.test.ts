import { describe, expect, it } from "vitest";
import { fromGenaiMatch, matchesRule } from "./match-rule.ts";

describe("matchesRule", () => {
  it("matches genai-prices logic case-insensitively", () => {
    const rule = fromGenaiMatch(
      { or: [{ starts_with: "Claude-3-5-Haiku" }, { equals: "x" }] },
      "test",
    );
    expect(matchesRule(rule, "claude-3-5-haiku-20241022")).toBe(true);
    expect(matchesRule(rule, "x")).toBe(true);
    expect(matchesRule(rule, "claude-3-5-sonnet")).toBe(false);
  });

  it("does not let a prefix price a newer version of the model", () => {
    const rule = { startsWith: "claude-sonnet-5" };
    expect(matchesRule(rule, "claude-sonnet-5")).toBe(true);
    expect(matchesRule(rule, "claude-sonnet-5-20260101")).toBe(true);
    expect(matchesRule(rule, "claude-sonnet-5-5")).toBe(false);
    expect(matchesRule({ startsWith: "gpt-4" }, "gpt-4.1")).toBe(false);
  });

  it("supports regex, contains, ends_with and and", () => {
    expect(matchesRule({ regex: "^gpt-5\\.6-luna-\\d{4}" }, "gpt-5.6-luna-2026-01-01")).toBe(true);
    expect(
      matchesRule({ and: [{ contains: "nova" }, { endsWith: "v1:0" }] }, "amazon.nova-pro-v1:0"),
    ).toBe(true);
    expect(() => fromGenaiMatch({ unknown: 1 }, "file.json: model x")).toThrow(
      /file.json: model x/,
    );
  });
});
