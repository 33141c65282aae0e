import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleDiagnostics } from "./diagnostics.ts";

/** Any control character but tab and newline, checked by code point (no regex shared with the code). */
function hasRawControl(text: string): boolean {
  return [...text].some((character) => {
    const code = character.charCodeAt(0);
    return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("consoleDiagnostics", () => {
  it("prints messages and details with secrets redacted and control characters escaped", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      lines.push(args.join(" "));
    });
    consoleDiagnostics(
      "warn",
      'no price known for model "gpt\u001b]0;pwned\u0007"',
      new Error("export to https://user:hunter2hunter2@collector.internal failed"),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      '[llmeter] warn: no price known for model "gpt\\u001b]0;pwned\\u0007"',
    );
    expect(lines[0]).toContain("https://[REDACTED]@collector.internal");
    expect(lines[0]).not.toContain("hunter2");
    expect(hasRawControl(lines[0] ?? "")).toBe(false);
  });
});
