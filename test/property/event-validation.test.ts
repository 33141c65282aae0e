// Property-based tests of the one event validation (normalizeUsageEvent): whatever comes in, it
// never throws, never hangs, returns a well-typed event, truncates huge strings and cannot be used
// to pollute prototypes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_ATTRIBUTES,
  MAX_STRING_LENGTH,
  MAX_TEXT_LENGTH,
  normalizeUsageEvent,
} from "../../src/usage/normalize-usage-event.ts";
import {
  BOOLEAN_FIELDS,
  COUNT_FIELDS,
  MEASURE_FIELDS,
  STRING_FIELDS,
  USAGE_KINDS,
} from "../../src/usage/usage-event.ts";

const anyValue = fc.oneof(
  fc.anything(),
  fc.string({ maxLength: 5000 }),
  fc.double(),
  fc.integer(),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(-1),
  fc.bigInt(),
);
const fieldNames = [
  ...STRING_FIELDS,
  ...COUNT_FIELDS,
  ...MEASURE_FIELDS,
  ...BOOLEAN_FIELDS,
  "kind",
  "attributes",
  "costBreakdown",
  "priceSource",
];
/** Objects whose keys are mostly real event fields, with hostile values. */
const eventLike = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...fieldNames),
    fc.constantFrom("__proto__", "constructor", "prototype"),
    fc.string(),
  ),
  anyValue,
  { maxKeys: 30 },
);

describe("normalizeUsageEvent over arbitrary input (fast-check)", () => {
  it("never throws and always returns a well-typed event", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), eventLike), (input) => {
        const { event, problems } = normalizeUsageEvent(input);
        expect(Array.isArray(problems)).toBe(true);
        expect(USAGE_KINDS).toContain(event.kind);
        expect(typeof event.id).toBe("string");
        expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
        const record = event as unknown as Record<string, unknown>;
        for (const field of STRING_FIELDS) {
          const value = record[field];
          if (value === undefined) continue;
          expect(typeof value).toBe("string");
          expect((value as string).length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
        }
        for (const field of COUNT_FIELDS) {
          const value = record[field];
          if (value === undefined) continue;
          expect(Number.isInteger(value)).toBe(true);
          expect(value as number).toBeGreaterThanOrEqual(0);
        }
        for (const field of MEASURE_FIELDS) {
          const value = record[field];
          if (value === undefined) continue;
          expect(Number.isFinite(value)).toBe(true);
          expect(value as number).toBeGreaterThanOrEqual(0);
        }
        for (const field of BOOLEAN_FIELDS) {
          const value = record[field];
          if (value !== undefined) expect(typeof value).toBe("boolean");
        }
        if (event.attributes !== undefined) {
          expect(Object.keys(event.attributes).length).toBeLessThanOrEqual(MAX_ATTRIBUTES);
          for (const value of Object.values(event.attributes)) {
            expect(["string", "number", "boolean"]).toContain(typeof value);
            if (typeof value === "string")
              expect(value.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
          }
        }
        // The result survives a JSON round trip (it is what the ledger and exports store).
        expect(() => JSON.stringify(event)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("is idempotent: a normalized event needs no further correction", () => {
    fc.assert(
      fc.property(eventLike, (input) => {
        const first = normalizeUsageEvent(input).event;
        const second = normalizeUsageEvent(JSON.parse(JSON.stringify(first)));
        expect(second.problems).toEqual([]);
        expect(second.event).toEqual(first);
      }),
      { numRuns: 1000 },
    );
  });

  it("truncates huge names, ids and messages instead of keeping them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STRING_FIELDS.filter((field) => field !== "timestamp")),
        fc.integer({ min: MAX_TEXT_LENGTH + 1, max: 200_000 }),
        (field, length) => {
          const huge = "x".repeat(length);
          const { event, problems } = normalizeUsageEvent({ [field]: huge });
          const kept = (event as unknown as Record<string, string>)[field];
          expect(kept?.length).toBeLessThanOrEqual(
            field === "errorMessage" ? MAX_TEXT_LENGTH : MAX_STRING_LENGTH,
          );
          expect(problems.some((problem) => problem.startsWith(`${field}:`))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    const { event } = normalizeUsageEvent({ attributes: { note: "y".repeat(1_000_000) } });
    expect(String(event.attributes?.note).length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
  });

  it("cannot pollute Object.prototype through attribute keys or JSON input", () => {
    const hostile = [
      JSON.parse('{"attributes": {"__proto__": {"polluted": "yes"}, "a": 1}}'),
      JSON.parse('{"__proto__": {"polluted": "yes"}, "provider": "openai"}'),
      JSON.parse('{"costBreakdown": {"__proto__": {"polluted": "yes"}}}'),
      { attributes: { constructor: "x", prototype: "y", ok: "z" } },
    ];
    for (const input of hostile) {
      const { event } = normalizeUsageEvent(input);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
      if (event.attributes !== undefined) {
        expect(Object.hasOwn(event.attributes, "__proto__")).toBe(false);
        expect(Object.hasOwn(event.attributes, "constructor")).toBe(false);
        expect(Object.hasOwn(event.attributes, "prototype")).toBe(false);
      }
    }
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (attributes) => {
        normalizeUsageEvent(
          JSON.parse(JSON.stringify({ attributes: { ...attributes, ["__proto__"]: attributes } })),
        );
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
