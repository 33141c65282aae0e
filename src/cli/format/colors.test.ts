import { describe, expect, it } from "vitest";
import { colorEnabled, createColors } from "./colors.ts";

const terminal = { isTTY: true, write: () => true, once: () => undefined };
const pipe = { isTTY: false, write: () => true, once: () => undefined };

describe("colorEnabled", () => {
  it("is on for a terminal only", () => {
    expect(colorEnabled(terminal, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });

  it("respects NO_COLOR (non-empty), TERM=dumb and FORCE_COLOR", () => {
    expect(colorEnabled(terminal, { NO_COLOR: "1" })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colorEnabled(terminal, { NO_COLOR: "" })).toBe(true);
    expect(colorEnabled(terminal, { TERM: "dumb" })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled(terminal, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
  });
});

describe("createColors", () => {
  it("returns text unchanged when off and wraps it in escape codes when on", () => {
    expect(createColors(false).bad("x")).toBe("x");
    const styled = createColors(true).bad("x");
    expect(styled).not.toBe("x");
    expect(styled.includes("x")).toBe(true);
    expect(styled.charCodeAt(0)).toBe(27);
  });
});
