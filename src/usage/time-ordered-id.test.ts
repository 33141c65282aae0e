import { describe, expect, it } from "vitest";
import { timeOrderedId } from "./normalize-usage-event.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("timeOrderedId", () => {
  it("is a UUID version 7 whose first 48 bits are the milliseconds", () => {
    const nowMs = Date.parse("2026-11-22T10:00:00.123Z");
    const id = timeOrderedId(nowMs);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(nowMs);
  });

  it("gives distinct ids within one millisecond, across refills of its random pool", () => {
    const nowMs = Date.now();
    const ids = new Set<string>();
    // 4 KiB of randomness serves 372 ids: 5,000 ids cross a dozen refills.
    for (let index = 0; index < 5000; index++) ids.add(timeOrderedId(nowMs));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it("spreads its random bits: every hex digit shows up in every random position", () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let index = 0; index < 3000; index++) {
      const id = timeOrderedId(0);
      for (let position = 0; position < 36; position++) seen[position]!.add(id[position]!);
    }
    const randomPositions = [
      15,
      16,
      17,
      20,
      21,
      22,
      ...Array.from({ length: 12 }, (_, i) => 24 + i),
    ];
    for (const position of randomPositions) expect(seen[position]!.size).toBe(16);
    expect([...seen[19]!].sort()).toEqual(["8", "9", "a", "b"]);
    expect([...seen[14]!]).toEqual(["7"]);
  });

  it("orders by time: a later millisecond sorts after an earlier one", () => {
    const earlier = timeOrderedId(1_700_000_000_000);
    const later = timeOrderedId(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });
});
