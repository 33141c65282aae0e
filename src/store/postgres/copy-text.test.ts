import { describe, expect, it } from "vitest";
import { sampleEvents } from "../../../test/store/sample-events.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { copyLineFromEvent, copyLineFromRow, copyValue } from "./copy-text.ts";
import { checkStorableEvent, EVENT_COLUMNS, rowFromEvent } from "./event-columns.ts";

/** Splits a COPY text line back into its fields (escapes left as they are). */
function fields(line: string): string[] {
  expect(line.endsWith("\n")).toBe(true);
  return line.slice(0, -1).split("\t");
}

describe("COPY text encoding", () => {
  it("writes exactly the values rowFromEvent maps, column for column", () => {
    const events = sampleEvents(300, { seed: 5 });
    for (const [index, event] of events.entries()) {
      const line = copyLineFromEvent(event, checkStorableEvent(event, index));
      expect(line).toBe(copyLineFromRow(rowFromEvent(event, index)));
      expect(fields(line)).toHaveLength(EVENT_COLUMNS.length);
    }
  });

  it("writes the timestamp as toISOString() does, whatever form the event gave it in", () => {
    const [base] = sampleEvents(1);
    for (const timestamp of [
      "2026-11-20T10:00:00.000Z",
      "2026-11-20T10:00:00Z",
      "2026-11-20T11:00:00.123+01:00",
      "2026-02-30T00:00:00.000Z",
      "2024-02-29T23:59:59.999Z",
      "2026-01-31T24:00:00.000Z",
    ]) {
      const event = { ...base!, timestamp };
      const time = checkStorableEvent(event, 0);
      expect(fields(copyLineFromEvent(event, time))[1]).toBe(new Date(time).toISOString());
    }
  });

  it("escapes backslash, tab, newline and carriage return so a value stays one field", () => {
    expect(copyValue("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
    const [event] = sampleEvents(1);
    const tricky = {
      ...event!,
      id: "id\twith\ttabs",
      model: "line\nbreak",
      tenantId: "back\\slash",
    };
    const line = copyLineFromEvent(tricky, checkStorableEvent(tricky, 0));
    const [id, , , , model, tenant] = fields(line);
    expect(id).toBe("id\\twith\\ttabs");
    expect(model).toBe("line\\nbreak");
    expect(tenant).toBe("back\\\\slash");
  });

  it("writes unknown values as NULL, booleans as t/f, and non-finite numbers as NULL", () => {
    expect(copyValue(null)).toBe("\\N");
    expect(copyValue(undefined)).toBe("\\N");
    expect(copyValue(true)).toBe("t");
    expect(copyValue(false)).toBe("f");
    expect(copyValue(12.5)).toBe("12.5");
    expect(copyValue(Number.NaN)).toBe("\\N");
    expect(copyValue(Number.POSITIVE_INFINITY)).toBe("\\N");
  });

  it("removes NUL characters, which PostgreSQL text and jsonb refuse, and keeps a literal \\u0000", () => {
    expect(copyValue("a\u0000b")).toBe("ab");
    const json = copyValue({ note: "x\u0000y", literal: "back\\u0000slash" });
    // JSON's own backslash escape is doubled for COPY; the server reads back `"back\\u0000slash"`.
    expect(json).toBe('{"note":"xy","literal":"back\\\\\\\\u0000slash"}');
  });

  it("keeps every field without a column in the JSON of extra", () => {
    const event = {
      id: "e1",
      timestamp: "2026-11-20T10:00:00.000Z",
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o",
      success: true,
      requestId: "req\\1",
      attributes: { feature: "tab\there" },
    } as UsageEvent;
    const extra = fields(copyLineFromEvent(event, checkStorableEvent(event, 0))).at(-1)!;
    // Undo COPY's backslash doubling, then it is plain JSON.
    expect(JSON.parse(extra.replaceAll("\\\\", "\\"))).toEqual({
      operation: "chat",
      requestId: "req\\1",
      attributes: { feature: "tab\there" },
    });
  });
});
