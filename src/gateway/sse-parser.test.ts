import { describe, expect, it } from "vitest";
import { SseParser } from "./sse-parser.ts";

describe("SseParser", () => {
  it("splits events across pieces with every line ending, and keeps their text exactly", () => {
    const stream =
      'event: message_start\r\ndata: {"a":1}\r\n\r\n: keep-alive\n\ndata: line one\ndata: line two\n\ndata: [DONE]\r\r';
    for (const size of [1, 2, 3, 7, stream.length]) {
      const parser = new SseParser();
      const events = [];
      for (let index = 0; index < stream.length; index += size)
        events.push(...parser.push(stream.slice(index, index + size)));
      events.push(...parser.end());
      expect(events.map((event) => event.raw).join("")).toBe(stream);
      expect(events.map((event) => event.data)).toEqual([
        '{"a":1}',
        undefined,
        "line one\nline two",
        "[DONE]",
      ]);
      expect(parser.rest()).toBe("");
    }
  });

  it("keeps an unfinished event as the rest", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"a":1}\n\ndata: {"b"')).toHaveLength(1);
    expect(parser.rest()).toBe('data: {"b"');
  });
});
