import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_CODE_LENGTH,
  MAX_CODE_LIST_LENGTH,
  normalizeUsageEvent,
} from "./normalize-usage-event.ts";

// Finish reasons, server address/port and request parameters: their validation.
describe("normalizeUsageEvent: finish reasons, server and request parameters", () => {
  it("keeps valid values as they are, with no problem reported", () => {
    const input = {
      provider: "openai",
      model: "gpt-4o",
      finishReasons: ["stop", "tool_calls"],
      serverAddress: "api.openai.com",
      serverPort: 443,
      requestMaxTokens: 256,
      requestTemperature: 0,
      requestTopP: 0.9,
      requestTopK: 40,
      requestFrequencyPenalty: -1.5,
      requestPresencePenalty: 2,
      requestSeed: -12345,
      requestChoiceCount: 3,
    };
    const { event, problems } = normalizeUsageEvent(input);
    expect(problems).toEqual([]);
    expect(event).toMatchObject(input);
    // The event owns its list: the caller's array can change afterwards without touching it.
    expect(event.finishReasons).not.toBe(input.finishReasons);
  });

  it("drops finish reasons that are not short strings, and bounds their count", () => {
    const long = "x".repeat(MAX_CODE_LENGTH + 1);
    const { event, problems } = normalizeUsageEvent({
      finishReasons: ["stop", 7, "", long, null, "length"],
    });
    expect(event.finishReasons).toEqual(["stop", "length"]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^finishReasons: an entry that is not a string of 1 to 64/);

    const many = Array.from({ length: MAX_CODE_LIST_LENGTH + 5 }, (_, index) => `r${index}`);
    const bounded = normalizeUsageEvent({ finishReasons: many });
    expect(bounded.event.finishReasons).toEqual(many.slice(0, MAX_CODE_LIST_LENGTH));
    expect(bounded.problems).toEqual([
      `finishReasons: more than ${MAX_CODE_LIST_LENGTH} entries; the rest dropped`,
    ]);
  });

  it("drops a finish-reason value that is not an array, and an array with nothing usable", () => {
    const notArray = normalizeUsageEvent({ finishReasons: "stop" });
    expect(notArray.event.finishReasons).toBeUndefined();
    expect(notArray.problems).toEqual([
      "finishReasons: expected an array of short strings, got string; dropped",
    ]);
    expect(normalizeUsageEvent({ finishReasons: [] }).event.finishReasons).toBeUndefined();
  });

  it("accepts only TCP port numbers as serverPort", () => {
    for (const bad of [0, -1, 65536, 80.5, Number.NaN, "443"]) {
      const { event, problems } = normalizeUsageEvent({ serverPort: bad });
      expect(event.serverPort, String(bad)).toBeUndefined();
      expect(problems[0]).toMatch(/^serverPort: expected a whole number from 1 to 65535/);
    }
    expect(normalizeUsageEvent({ serverPort: 65535 }).event.serverPort).toBe(65535);
  });

  it("treats counts, non-negative measures and signed numbers each by their own rule", () => {
    const { event, problems } = normalizeUsageEvent({
      requestMaxTokens: -1,
      requestTopK: 2.4,
      requestTemperature: -0.1,
      requestTopP: Number.POSITIVE_INFINITY,
      requestFrequencyPenalty: Number.NaN,
      requestPresencePenalty: "0.5",
      requestSeed: 2 ** 40,
    });
    expect(event.requestMaxTokens).toBeUndefined();
    expect(event.requestTopK).toBe(2);
    expect(event.requestTemperature).toBeUndefined();
    expect(event.requestTopP).toBeUndefined();
    expect(event.requestFrequencyPenalty).toBeUndefined();
    expect(event.requestPresencePenalty).toBeUndefined();
    expect(event.requestSeed).toBe(2 ** 40);
    expect(problems.map((problem) => problem.slice(0, problem.indexOf(":")))).toEqual([
      "requestMaxTokens",
      "requestTopK",
      "requestTemperature",
      "requestTopP",
      "requestFrequencyPenalty",
      "requestPresencePenalty",
    ]);
  });

  it("is idempotent: normalizing a normalized event changes nothing and reports nothing", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            finishReasons: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 30 }),
            serverAddress: fc.string(),
            serverPort: fc.integer({ min: -10, max: 70000 }),
            requestMaxTokens: fc.double(),
            requestTemperature: fc.double(),
            requestFrequencyPenalty: fc.double(),
            requestSeed: fc.integer(),
          },
          { requiredKeys: [] },
        ),
        (input) => {
          const first = normalizeUsageEvent(input, { nowMs: 0 }).event;
          const second = normalizeUsageEvent(first, { nowMs: 0 });
          expect(second.problems).toEqual([]);
          expect(second.event).toEqual(first);
        },
      ),
    );
  });
});
