import { describe, expect, it } from "vitest";
import { parseDateBound, zonedTimeToEpochMs } from "./parse-date.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("parseDateBound", () => {
  it("reads a day as its start in the given zone", () => {
    expect(iso(parseDateBound("2026-11-20", "Europe/Paris", { flag: "--since" }))).toBe(
      "2026-11-19T23:00:00.000Z",
    );
    expect(iso(parseDateBound("20261120", "UTC", { flag: "--since" }))).toBe(
      "2026-11-20T00:00:00.000Z",
    );
  });

  it("makes an inclusive --until day end at the next local midnight", () => {
    expect(
      iso(parseDateBound("2026-11-20", "America/New_York", { flag: "--until", endOfDay: true })),
    ).toBe("2026-11-21T05:00:00.000Z");
  });

  it("reads a time without offset as wall-clock time in the zone, and an offset as an instant", () => {
    expect(iso(parseDateBound("2026-11-20T18:30", "Asia/Kolkata", { flag: "--since" }))).toBe(
      "2026-11-20T13:00:00.000Z",
    );
    expect(iso(parseDateBound("2026-11-20T17:30:00+01:00", "UTC", { flag: "--since" }))).toBe(
      "2026-11-20T16:30:00.000Z",
    );
  });

  it("follows daylight saving time changes", () => {
    // Paris leaves summer time on 2026-10-25: that day is 25 hours long.
    const start = zonedTimeToEpochMs({ year: 2026, month: 10, day: 25 }, "Europe/Paris");
    const end = zonedTimeToEpochMs({ year: 2026, month: 10, day: 26 }, "Europe/Paris");
    expect((end - start) / 3_600_000).toBe(25);
  });

  it("rejects impossible dates and says what is accepted", () => {
    expect(() => parseDateBound("2026-02-30", "UTC", { flag: "--since" })).toThrow(
      /--since "2026-02-30" is not a date\. Use a day such as 2026-11-20/,
    );
    expect(() => parseDateBound("yesterday", "UTC", { flag: "--before" })).toThrow(/--before/);
  });
});
