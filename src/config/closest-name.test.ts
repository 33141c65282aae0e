import { describe, expect, it } from "vitest";
import { closestName, editDistance } from "./closest-name.ts";

describe("closestName", () => {
  it("finds a transposition, a missing character and a case slip", () => {
    const names = ["maxHistory", "maxBufferedEvents", "timeZone", "ledger"];
    expect(closestName("maxHistroy", names)).toBe("maxHistory");
    expect(closestName("maxHistry", names)).toBe("maxHistory");
    expect(closestName("timezone", names)).toBe("timeZone");
  });

  it("suggests nothing for a name that is not close to any", () => {
    expect(closestName("db", ["now", "otel", "ledger"])).toBeUndefined();
    expect(closestName("colour", ["maxHistory", "timeZone"])).toBeUndefined();
  });

  it("counts edits", () => {
    expect(editDistance("MAXHISTORY", "MAX_HISTORY")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});
