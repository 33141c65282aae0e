import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { timestampMs } from "./event-row.ts";

describe("timestampMs", () => {
  it("reads every toISOString() timestamp as Date does", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1000-01-01T00:00:00.000Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        (date) => {
          expect(timestampMs(date.toISOString())).toBe(date.getTime());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("agrees with Date.parse on any string of that shape, valid or not", () => {
    const digit = fc.constantFrom(..."0123456789x".split(""));
    const shaped = fc
      .tuple(fc.array(digit, { minLength: 17, maxLength: 17 }), fc.constantFrom("Z", "z", "+"))
      .map(([d, zone]) => {
        const n = d.join("");
        return `${n.slice(0, 4)}-${n.slice(4, 6)}-${n.slice(6, 8)}T${n.slice(8, 10)}:${n.slice(10, 12)}:${n.slice(12, 14)}.${n.slice(14, 17)}${zone}`;
      });
    fc.assert(
      fc.property(shaped, (text) => {
        expect(timestampMs(text)).toBe(Date.parse(text));
      }),
      { numRuns: 5000 },
    );
    for (const text of [
      "2026-02-30T00:00:00.000Z",
      "2026-01-01T24:00:00.000Z",
      "2026-01-01T00:00:60.000Z",
      "0099-01-01T00:00:00.000Z",
      "2026-11-20T12:00:00Z",
      "2026-11-20T12:00:00.000+01:00",
      "not a date",
    ])
      expect(timestampMs(text)).toBe(Date.parse(text));
  });
});
