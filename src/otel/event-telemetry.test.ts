import { hrTimeToMilliseconds, millisToHrTime } from "@opentelemetry/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHrTime } from "./event-telemetry.ts";

describe("toHrTime", () => {
  it("gives the SDK's [seconds, nanoseconds] for epoch milliseconds, fractions kept", () => {
    expect(toHrTime(1_700_000_000_123.5)).toEqual([1_700_000_000, 123_500_000]);
    expect(toHrTime(Date.parse("2026-11-20T10:00:00.000Z"))).toEqual(
      millisToHrTime(Date.parse("2026-11-20T10:00:00.000Z")),
    );
    // Rounding up to a whole second carries into the seconds instead of giving 1e9 nanoseconds.
    expect(toHrTime(1_999.999_999_9)).toEqual([2, 0]);
  });

  it("round-trips any epoch time to the nanosecond, with nanoseconds below one second", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 4_102_444_800_000, noNaN: true }), (epochMs) => {
        const [seconds, nanoseconds] = toHrTime(epochMs);
        expect(Number.isInteger(seconds) && Number.isInteger(nanoseconds)).toBe(true);
        expect(nanoseconds).toBeGreaterThanOrEqual(0);
        expect(nanoseconds).toBeLessThan(1e9);
        expect(Math.abs(hrTimeToMilliseconds([seconds, nanoseconds]) - epochMs)).toBeLessThan(1e-3);
      }),
    );
  });
});
