import { describe, expect, it } from "vitest";
import {
  MAX_STRING_LENGTH,
  MAX_TEXT_LENGTH,
  normalizeUsageEvent,
} from "./normalize-usage-event.ts";

describe("normalizeUsageEvent", () => {
  it("fills defaults and derives totalTokens", () => {
    const { event, problems } = normalizeUsageEvent(
      { provider: " OpenAI ", model: "gpt-4o", inputTokens: 10, outputTokens: 5 },
      { nowMs: Date.parse("2026-11-22T10:00:00Z") },
    );
    expect(problems).toEqual([]);
    expect(event).toMatchObject({
      provider: "openai",
      kind: "llm",
      operation: "chat",
      success: true,
      totalTokens: 15,
      timestamp: "2026-11-22T10:00:00.000Z",
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("does not throw on a value that cannot be turned into a string", () => {
    const bare = Object.create(null) as object;
    const { event, problems } = normalizeUsageEvent({
      provider: "a",
      outputTokens: bare,
      kind: bare,
    });
    expect(event.outputTokens).toBeUndefined();
    expect(event.kind).toBe("other");
    expect(problems).toContain(
      "outputTokens: expected a non-negative finite number, got object; dropped",
    );
  });

  it("keeps unknown counts undefined rather than zero", () => {
    const { event } = normalizeUsageEvent({ provider: "a", model: "b" });
    expect(event.inputTokens).toBeUndefined();
    expect(event.totalTokens).toBeUndefined();
    expect(event.costUsd).toBeUndefined();
  });

  it.each([
    ["negative", -1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a string", "12"],
  ])("drops a %s token count with a problem", (_label, value) => {
    const { event, problems } = normalizeUsageEvent({
      provider: "a",
      model: "b",
      inputTokens: value,
    });
    expect(event.inputTokens).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^inputTokens: /);
  });

  it("rounds fractional token counts", () => {
    const { event, problems } = normalizeUsageEvent({
      provider: "a",
      model: "b",
      outputTokens: 2.6,
    });
    expect(event.outputTokens).toBe(3);
    expect(problems[0]).toMatch(/not a whole number/);
  });

  it("stores a negative zero as zero, so a second pass changes nothing", () => {
    const { event } = normalizeUsageEvent({ cacheReadTokens: -0, latencyMs: -0 });
    expect(Object.is(event.cacheReadTokens, 0)).toBe(true);
    expect(Object.is(event.latencyMs, 0)).toBe(true);
    expect(normalizeUsageEvent(event).event).toEqual(event);
  });

  it("truncates absurdly long strings", () => {
    const { event } = normalizeUsageEvent({
      provider: "a",
      model: "m".repeat(10_000),
      errorMessage: "e".repeat(100_000),
    });
    expect(event.model).toHaveLength(MAX_STRING_LENGTH);
    expect(event.errorMessage).toHaveLength(MAX_TEXT_LENGTH);
  });

  it("drops prototype-polluting and non-scalar attributes", () => {
    const attributes = JSON.parse(
      '{"__proto__": {"admin": true}, "constructor": 1, "nested": {"a": 1}, "list": [1], "ok": 1, "flag": false}',
    );
    const { event, problems } = normalizeUsageEvent({ provider: "a", model: "b", attributes });
    expect(event.attributes).toEqual({ ok: 1, flag: false });
    expect(Object.getPrototypeOf(event.attributes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(problems.length).toBe(4);
  });

  it("repairs token counts reported outside the convention, so that normalizing is idempotent", () => {
    const { event, problems } = normalizeUsageEvent({
      provider: "anthropic",
      model: "claude",
      inputTokens: 10,
      cacheReadTokens: 100,
      outputTokens: 5,
      reasoningTokens: 50,
    });
    expect(event.inputTokens).toBe(110);
    expect(event.outputTokens).toBe(55);
    expect(event.totalTokens).toBe(165);
    expect(problems.join("\n")).toMatch(/inputTokens must include cache/);
    expect(problems.join("\n")).toMatch(/outputTokens must include reasoning/);
    expect(normalizeUsageEvent(event).problems).toEqual([]);
  });

  it("marks an event with an error type as failed unless told otherwise", () => {
    expect(normalizeUsageEvent({ errorType: "Timeout" }).event.success).toBe(false);
    expect(normalizeUsageEvent({ errorType: "Timeout", success: true }).event.success).toBe(true);
  });

  it("replaces an unparseable timestamp and an unknown kind, and ignores unknown fields", () => {
    const { event, problems } = normalizeUsageEvent(
      { timestamp: "yesterday-ish", kind: "video", prompt: "secret text" },
      { nowMs: 0 },
    );
    expect(event.timestamp).toBe("1970-01-01T00:00:00.000Z");
    expect(event.kind).toBe("other");
    expect((event as unknown as Record<string, unknown>).prompt).toBeUndefined();
    expect(problems).toHaveLength(3);
  });

  it("never throws, whatever it is given", () => {
    for (const input of [null, undefined, 42, "text", [], () => {}, { attributes: 5 }]) {
      expect(() => normalizeUsageEvent(input)).not.toThrow();
    }
  });
});
