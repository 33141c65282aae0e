import { describe, expect, it } from "vitest";
import { percentile } from "./percentile.ts";
import { periodLengthMs } from "./period.ts";
import { assertTimeZone, dayKey, monthKey, weekKey } from "./time-buckets.ts";

describe("time buckets", () => {
  it("puts a late-evening call on the local day, not the UTC day", () => {
    const lateEveningInNewYork = Date.parse("2026-03-01T03:30:00Z"); // 22:30 on Feb 28 in New York
    expect(dayKey(lateEveningInNewYork, "UTC")).toBe("2026-03-01");
    expect(dayKey(lateEveningInNewYork, "America/New_York")).toBe("2026-02-28");
    expect(monthKey(lateEveningInNewYork, "America/New_York")).toBe("2026-02");
  });

  it("keeps days whole across a daylight-saving change", () => {
    // Europe/Paris springs forward on 2026-03-29 at 02:00 local time.
    expect(dayKey(Date.parse("2026-03-28T23:30:00Z"), "Europe/Paris")).toBe("2026-03-29");
    expect(dayKey(Date.parse("2026-03-29T21:59:00Z"), "Europe/Paris")).toBe("2026-03-29");
    expect(dayKey(Date.parse("2026-03-29T22:00:00Z"), "Europe/Paris")).toBe("2026-03-30");
  });

  it("starts weeks on Monday in the given zone", () => {
    expect(weekKey(Date.parse("2026-11-22T12:00:00Z"), "UTC")).toBe("2026-11-16"); // a Sunday
    expect(weekKey(Date.parse("2026-11-23T00:30:00Z"), "UTC")).toBe("2026-11-23");
    expect(weekKey(Date.parse("2026-11-23T00:30:00Z"), "America/Los_Angeles")).toBe("2026-11-16");
  });

  it("rejects unknown zones clearly", () => {
    expect(() => assertTimeZone("Mars/Olympus")).toThrow(/Unknown time zone "Mars\/Olympus"/);
  });
});

describe("periods and percentiles", () => {
  it("parses period names", () => {
    expect(periodLengthMs("1h")).toBe(3_600_000);
    expect(periodLengthMs("30d")).toBe(30 * 86_400_000);
    expect(periodLengthMs("2w")).toBe(14 * 86_400_000);
    expect(periodLengthMs("all")).toBeUndefined();
    expect(() => periodLengthMs("0h")).toThrow(RangeError);
    expect(() => periodLengthMs("yesterday")).toThrow(/Unknown period/);
  });

  it("interpolates between closest ranks like percentile_cont", () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([10, 20, 30, 40], 0.5)).toBe(25);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBeCloseTo(9.55, 12);
  });
});
