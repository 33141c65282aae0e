import { describe, expect, it } from "vitest";
import { bucketBounds } from "./build-timeline.ts";

const HOUR_MS = 3_600_000;

describe("bucketBounds", () => {
  it("cuts days at local midnight, 23 and 25 hours long across daylight-saving changes", () => {
    // Europe/Paris leaves summer time on 2026-10-25 (25 h) and enters it on 2026-03-29 (23 h).
    const autumn = bucketBounds(
      "day",
      Date.parse("2026-10-24T00:00:00+02:00"),
      Date.parse("2026-10-27T00:00:00+01:00"),
      "Europe/Paris",
    );
    expect(autumn.map((bucket) => bucket.key)).toEqual(["2026-10-24", "2026-10-25", "2026-10-26"]);
    expect(autumn.map((bucket) => (bucket.end - bucket.start) / HOUR_MS)).toEqual([24, 25, 24]);
    const spring = bucketBounds(
      "day",
      Date.parse("2026-03-29T00:00:00+01:00"),
      Date.parse("2026-03-30T00:00:00+02:00"),
      "Europe/Paris",
    );
    expect(spring.map((bucket) => (bucket.end - bucket.start) / HOUR_MS)).toEqual([23]);
  });

  it("clips the first and last bucket to the period and leaves no gap between buckets", () => {
    const start = Date.parse("2026-11-20T15:30:00Z");
    const end = Date.parse("2026-11-22T09:10:00Z");
    const days = bucketBounds("day", start, end, "America/New_York");
    expect(days[0]!.start).toBe(start);
    expect(days.at(-1)!.end).toBe(end);
    for (let index = 1; index < days.length; index++)
      expect(days[index]!.start).toBe(days[index - 1]!.end);
    expect(days.map((bucket) => bucket.key)).toEqual(["2026-11-20", "2026-11-21", "2026-11-22"]);
  });

  it("names hours in the zone and months by calendar month", () => {
    const hours = bucketBounds(
      "hour",
      Date.parse("2026-11-22T22:00:00Z"),
      Date.parse("2026-11-23T00:00:00Z"),
      "Asia/Tokyo",
    );
    expect(hours.map((bucket) => bucket.key)).toEqual(["2026-11-23T07", "2026-11-23T08"]);
    const months = bucketBounds(
      "month",
      Date.parse("2026-01-15T00:00:00Z"),
      Date.parse("2026-04-02T00:00:00Z"),
      "UTC",
    );
    expect(months.map((bucket) => bucket.key)).toEqual([
      "2026-01",
      "2026-02",
      "2026-03",
      "2026-04",
    ]);
    expect(months[1]!.start).toBe(Date.parse("2026-02-01T00:00:00Z"));
    expect(months[1]!.end).toBe(Date.parse("2026-03-01T00:00:00Z"));
  });
});
