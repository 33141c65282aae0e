/** One server-sent event: its text exactly as received, and its `data` lines joined. */
export interface SseEvent {
  /** The event's text, its closing blank line included: forwarding it reproduces the stream. */
  raw: string;
  /** The `data:` field (lines joined with `\n`), or undefined for an event without one. */
  data: string | undefined;
}

/**
 * Splits a `text/event-stream` into events as its text arrives, in whatever pieces
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end with CRLF, LF or CR, a blank line ends an event, `data:` lines are joined, comments
 * (`:`) and other fields are kept in `raw` only.
 */
export class SseParser {
  private buffer = "";
  /** Where the next unread line starts in `buffer` (the current event starts at 0). */
  private lineStart = 0;
  private dataLines: string[] | undefined;

  /** Adds text; returns the events it completed. */
  push(text: string): SseEvent[] {
    return this.read(text, false);
  }

  /** The stream ended: returns the events a final CR completed. */
  end(): SseEvent[] {
    return this.read("", true);
  }

  private read(text: string, ended: boolean): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    const buffer = this.buffer;
    let eventStart = 0;
    let position = this.lineStart;
    while (position < buffer.length) {
      const newline = nextLineBreak(buffer, position);
      if (newline === -1) break;
      let end = newline + 1;
      if (buffer.charCodeAt(newline) === 13) {
        // A CR at the very end may be the first half of a CRLF: wait for the next piece.
        if (newline + 1 === buffer.length && !ended) break;
        if (buffer.charCodeAt(newline + 1) === 10) end += 1;
      }
      if (newline === position) {
        events.push({ raw: buffer.slice(eventStart, end), data: this.dataLines?.join("\n") });
        this.dataLines = undefined;
        eventStart = end;
      } else {
        this.field(buffer.slice(position, newline));
      }
      position = end;
    }
    this.buffer = buffer.slice(eventStart);
    this.lineStart = position - eventStart;
    return events;
  }

  /** The text of an event the stream ended in the middle of (empty when it ended cleanly). */
  rest(): string {
    return this.buffer;
  }

  private field(line: string): void {
    if (!line.startsWith("data:")) return;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    this.dataLines ??= [];
    this.dataLines.push(value);
  }
}

function nextLineBreak(text: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10 || code === 13) return index;
  }
  return -1;
}
