import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvCell, csvHeader, csvRow } from "./event-csv.ts";

describe("csvCell", () => {
  it("prefixes text a spreadsheet would run as a formula", () => {
    for (const dangerous of ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]) {
      expect(csvCell(dangerous).replace(/^"/, "").startsWith("'")).toBe(true);
    }
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
  });

  it("leaves ordinary values and numbers alone, quoting per RFC 4180", () => {
    expect(csvCell("gpt-4o")).toBe("gpt-4o");
    expect(csvCell(0.0045)).toBe("0.0045");
    expect(csvCell(true)).toBe("true");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
  });
});

describe("csvRow", () => {
  it("has one cell per column, with objects as JSON", () => {
    const row = csvRow({
      id: "e1",
      timestamp: "2026-11-20T00:00:00.000Z",
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o",
      success: true,
      attributes: { team: "search" },
    });
    expect(csvHeader().trim().split(",")).toHaveLength(CSV_COLUMNS.length);
    expect(row).toContain('"{""team"":""search""}"');
    expect(row.startsWith("e1,2026-11-20T00:00:00.000Z,llm,chat,openai,gpt-4o,")).toBe(true);
  });
});
