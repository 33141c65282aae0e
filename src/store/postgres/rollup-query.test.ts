import { describe, expect, it } from "vitest";
import { planRollupReads } from "./rollup-query.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const day = (date: number) => Date.UTC(2026, 10, date);

describe("planRollupReads", () => {
  it("reads whole UTC days, the whole hours around them, and events only for the ragged edges", () => {
    const since = day(1) + 20 * HOUR_MS + 1_234;
    const until = day(5) + 3 * HOUR_MS + 5_678;
    expect(planRollupReads(since, until, [], "UTC")).toEqual({
      days: [[day(2), day(5)]],
      hours: [
        [day(1) + 21 * HOUR_MS, day(2)],
        [day(5), day(5) + 3 * HOUR_MS],
      ],
      events: [
        [since, day(1) + 21 * HOUR_MS],
        [day(5) + 3 * HOUR_MS, until],
      ],
      zoned: false,
    });
  });

  it("reads hours only within one day, and declines a period shorter than an hour", () => {
    expect(planRollupReads(day(3) + HOUR_MS, day(3) + 5 * HOUR_MS, [], "UTC")).toEqual({
      days: [],
      hours: [[day(3) + HOUR_MS, day(3) + 5 * HOUR_MS]],
      events: [],
      zoned: false,
    });
    expect(planRollupReads(day(3) + 10, day(3) + HOUR_MS + 5, [], "UTC")).toBeUndefined();
  });

  it("keeps open ends open", () => {
    expect(planRollupReads(undefined, undefined, [], "UTC")).toEqual({
      days: [[undefined, undefined]],
      hours: [],
      events: [],
      zoned: false,
    });
  });

  it("groups by day in a whole-hour zone from hourly rollups, never from UTC days", () => {
    const plan = planRollupReads(day(1), day(3), ["day"], "Europe/Paris")!;
    expect(plan.days).toEqual([]);
    expect(plan.hours).toEqual([[day(1), day(3)]]);
    expect(plan.events).toEqual([]);
  });

  it("reads the hour a half-hour zone's midnight cuts from the events", () => {
    // Asia/Kolkata is UTC+05:30: local midnight is 18:30 UTC, inside the 18:00 hour.
    const plan = planRollupReads(day(1), day(3), ["day"], "Asia/Kolkata")!;
    expect(plan.events).toEqual([
      [day(1) + 18 * HOUR_MS, day(1) + 19 * HOUR_MS],
      [day(2) + 18 * HOUR_MS, day(2) + 19 * HOUR_MS],
    ]);
    expect(plan.hours).toEqual([
      [day(1), day(1) + 18 * HOUR_MS],
      [day(1) + 19 * HOUR_MS, day(2) + 18 * HOUR_MS],
      [day(2) + 19 * HOUR_MS, day(3)],
    ]);
    expect(plan.zoned).toBe(true);
  });

  it("declines an open or very long period grouped by time outside UTC (the events answer)", () => {
    expect(planRollupReads(undefined, day(3), ["week"], "Asia/Kolkata")).toBeUndefined();
    expect(
      planRollupReads(day(1), day(1) + 500 * DAY_MS, ["month"], "Asia/Kolkata"),
    ).toBeUndefined();
    expect(planRollupReads(undefined, day(3), ["week"], "Etc/UTC")).toBeDefined();
  });
});
