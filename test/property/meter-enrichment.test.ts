// The meter validates a raw event in one pass (normalizeUsageEvent with skipFields,
// inlineAttributes, outerAttribution, defaultAttribution) instead of first copying it into a
// merged object. This checks, over arbitrary input, that the one pass gives exactly what the copy
// gave: the same event and the same problems.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeUsageEvent, USAGE_EVENT_FIELDS } from "../../src/usage/normalize-usage-event.ts";
import type { Attribution } from "../../src/usage/usage-event.ts";

const HIDDEN = new Set(["context", "instrumentationCalls", "budgetReservation", "estimate"]);
const ATTRIBUTION_KEYS = ["tenantId", "userId", "sessionId", "conversationId", "organizationId"];

/** The meter's enrichment before the one-pass change, kept here as the reference. */
function copyThenNormalize(
  input: Record<string, unknown>,
  context: Attribution | undefined,
  defaults: Attribution | undefined,
  nowMs: number,
) {
  const raw: Record<string, unknown> = {};
  let inline: Record<string, unknown> | undefined;
  for (const key of Object.keys(input)) {
    if (HIDDEN.has(key)) continue;
    if (USAGE_EVENT_FIELDS.has(key)) raw[key] = input[key];
    else {
      inline ??= {};
      inline[key] = input[key];
    }
  }
  const apply = (outer: Attribution | undefined, inlineAttributes: typeof inline) => {
    if (outer !== undefined) {
      for (const key of ATTRIBUTION_KEYS) {
        const value = (outer as Record<string, unknown>)[key];
        if (raw[key] === undefined && value !== undefined) raw[key] = value;
      }
    }
    const own = raw.attributes as Record<string, unknown> | undefined;
    if (outer?.attributes !== undefined || inlineAttributes !== undefined)
      raw.attributes = { ...outer?.attributes, ...inlineAttributes, ...own };
  };
  apply(context, inline);
  apply(defaults, undefined);
  return normalizeUsageEvent(raw, { nowMs });
}

const value = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.integer({ min: -5, max: 1000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const attributes = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 4 });
const attribution = fc.option(
  fc.record(
    {
      tenantId: value,
      userId: value,
      sessionId: value,
      conversationId: value,
      organizationId: value,
      attributes: fc.oneof(attributes, value),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
) as fc.Arbitrary<Attribution | undefined>;
const input = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...USAGE_EVENT_FIELDS, ...HIDDEN),
    fc.constantFrom("feature", "team", "route"),
    fc.string({ maxLength: 6 }),
  ),
  fc.oneof(value, attributes),
  { maxKeys: 14 },
);

describe("the meter's one-pass enrichment (fast-check)", () => {
  it("gives the same event and problems as copying into a merged object first", () => {
    fc.assert(
      fc.property(input, attribution, attribution, (raw, context, defaults) => {
        const nowMs = Date.parse("2026-11-22T10:00:00Z");
        const expected = copyThenNormalize(raw, context, defaults, nowMs);
        const actual = normalizeUsageEvent(raw, {
          nowMs,
          skipFields: HIDDEN,
          inlineAttributes: true,
          outerAttribution: context,
          defaultAttribution: defaults,
        });
        const withoutId = ({ id: _id, ...event }: { id: string }) => event;
        if (raw.id === undefined || typeof raw.id !== "string" || raw.id === "") {
          expect(withoutId(actual.event)).toEqual(withoutId(expected.event));
        } else {
          expect(actual.event).toEqual(expected.event);
        }
        // The order of problems may differ (merged attributes are checked last); the set may not.
        expect([...actual.problems].sort()).toEqual([...expected.problems].sort());
      }),
      { numRuns: 2000 },
    );
  });
});
