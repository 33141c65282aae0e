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
    expect(formatDuration(undefined)).toBe("-");
    expect(formatDuration(120.4)).toBe("120 ms");
    expect(formatDuration(1250)).toBe("1.25 s");
  });

  it("shows a small cost with enough digits to be non-zero, and $0 only for a true zero", () => {
    expect(formatUsd(0.00002)).toBe("$0.000020");
    expect(formatUsd(0.00045)).toBe("$0.00045");
    expect(formatUsd(0.0000000123)).toBe("$0.000000012");
    expect(formatUsd(0.0012)).toBe("$0.0012");
    expect(formatUsd(0.5)).toBe("$0.5000");
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(1e-15)).toBe("<$0.000000000001");
  });

  it("never shows an unknown price as a plain $0", () => {
    expect(formatGroupCost({ totalCostUsd: 0, unpricedRequests: 1, totalRequests: 1 })).toBe("—");
    expect(formatGroupCost({ totalCostUsd: 0.00002, unpricedRequests: 1, totalRequests: 2 })).toBe(
      "$0.000020 *",
    );
    expect(formatGroupCost({ totalCostUsd: 0, unpricedRequests: 0, totalRequests: 2 })).toBe("$0");
    expect(formatGroupCost({ totalCostUsd: 0.5, unpricedRequests: 0, totalRequests: 1 })).toBe(
      "$0.5000",
    );
    expect(unpricedNote(0)).toBeUndefined();
    expect(unpricedNote(1)).toMatch(/^\* 1 call has no known price; its cost is not included/);
  });
});
