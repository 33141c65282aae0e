import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIsoTimestamp } from "./iso-timestamp.ts";

describe("formatIsoTimestamp", () => {
  it("writes what Date.prototype.toISOString writes, for any valid time (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.integer({ min: 0, max: 253_402_300_800_000 + 10 }),
          fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
          fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
        ),
        (ms) => {
          expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("gets the edges of days, months, leap years and its fast range right", () => {
    const edges = [
      0,
      1,
      86_399_999,
      86_400_000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2025, 0, 1),
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
    ];
    for (const ms of edges) expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });

  it("formats consecutive calls independently (no state leaks between days)", () => {
    const times = [Date.UTC(2026, 10, 22, 10), Date.UTC(1999, 0, 1), Date.UTC(2026, 10, 22, 11)];
    for (const ms of [...times, ...times.reverse()])
      expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
