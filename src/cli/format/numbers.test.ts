import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatGroupCost,
  formatInteger,
  formatUsd,
  unpricedNote,
} from "./numbers.ts";

describe("number formats", () => {
  it("are the same whatever the machine's locale", () => {
    expect(formatInteger(1_234_567)).toBe("1,234,567");
    expect(formatUsd(1234.56789)).toBe("$1,234.5679");
    expect(formatUsd(0.00045)).toBe("$0.0005");
    expect(formatDuration(undefined)).toBe("-");
    expect(formatDuration(120.4)).toBe("120 ms");
    expect(formatDuration(1250)).toBe("1.25 s");
  });

  it("never shows an unknown price as a plain $0", () => {
    expect(formatGroupCost({ totalCostUsd: 0, unpricedRequests: 1 })).toBe("$0.0000 *");
    expect(formatGroupCost({ totalCostUsd: 0.5, unpricedRequests: 0 })).toBe("$0.5000");
    expect(unpricedNote(0)).toBeUndefined();
    expect(unpricedNote(1)).toMatch(/^\* 1 call has no known price; its cost is not included/);
  });
});
