import { describe, expect, it } from "vitest";
import { escapeControlCharacters } from "./control-characters.ts";

const ESC = "\u001b";

describe("escapeControlCharacters", () => {
  it("shows C0, DEL, C1 and bidi overrides as \\u00XX", () => {
    expect(escapeControlCharacters(`a${ESC}]0;t\u0007b`)).toBe("a\\u001b]0;t\\u0007b");
    expect(escapeControlCharacters("x\u009b2Jy\u007fz\u0000")).toBe("x\\u009b2Jy\\u007fz\\u0000");
    expect(escapeControlCharacters("abc\u202edef")).toBe("abc\\u202edef");
    expect(escapeControlCharacters("a\rb")).toBe("a\\u000db");
  });

  it("keeps tab, newline and CRLF, and plain text as it is", () => {
    const text = "model\tcost\nA\r\n— ünïcode €";
    expect(escapeControlCharacters(text)).toBe(text);
  });

  it("keeps the CLI's own styles and progress redraw only when asked", () => {
    const styled = `${ESC}[1m${ESC}[36mTitle${ESC}[39m${ESC}[22m`;
    expect(escapeControlCharacters(styled, { styles: true })).toBe(styled);
    expect(escapeControlCharacters(styled)).toBe(
      "\\u001b[1m\\u001b[36mTitle\\u001b[39m\\u001b[22m",
    );
    // Not one of ours: conceal, cursor moves and screen clears stay escaped.
    expect(escapeControlCharacters(`${ESC}[8m${ESC}[2J${ESC}[H`, { styles: true })).toBe(
      "\\u001b[8m\\u001b[2J\\u001b[H",
    );
    const redraw = `\r${ESC}[2K`;
    expect(escapeControlCharacters(redraw, { leadingReturn: true })).toBe(redraw);
    expect(escapeControlCharacters(`x${redraw}`, { leadingReturn: true })).toBe(
      "x\\u000d\\u001b[2K",
    );
  });
});
