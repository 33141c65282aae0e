import type { StreamHandler } from "../integrations/shared/stream-watch.ts";
import { SseParser } from "./sse-parser.ts";

/**
 * Reads a streamed response's events for the handler as they pass. Untouched streams are
 * forwarded as the provider sent them, piece for piece; a stream whose `include_usage` the
 * gateway added is forwarded event by event, without the usage-only chunk and without the
 * `"usage":null` member the injection adds to every other chunk, so the caller receives what the
 * provider would have sent without it.
 */
export class SseReader {
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private readonly parser = new SseParser();
  private readonly handler: StreamHandler<unknown>;
  private readonly rewrite: boolean;
  private readonly warn: (message: string, error?: unknown) => void;
  private ended = false;

  constructor(
    handler: StreamHandler<unknown>,
    rewrite: boolean,
    warn: (message: string, error?: unknown) => void,
  ) {
    this.handler = handler;
    this.rewrite = rewrite;
    this.warn = warn;
  }

  /** Reads a piece; returns what the client gets now. */
  push(chunk: Buffer): Buffer | undefined {
    const events = this.parser.push(this.decoder.decode(chunk, { stream: true }));
    if (!this.rewrite) {
      for (const event of events) this.see(event.data);
      return chunk;
    }
    let visible = "";
    for (const event of events) {
      const value = this.see(event.data);
      if (value === HIDDEN) continue;
      visible += value === null ? withoutNullUsage(event.raw) : event.raw;
    }
    return visible === "" ? undefined : Buffer.from(visible);
  }

  /** The stream ended: what is left for the client (a rewritten stream's unfinished tail). */
  finish(): Buffer | undefined {
    const tail = this.decoder.decode();
    const events = this.parser.push(tail);
    events.push(...this.parser.end());
    let visible = "";
    for (const event of events) {
      const value = this.see(event.data);
      if (value !== HIDDEN) visible += value === null ? withoutNullUsage(event.raw) : event.raw;
    }
    if (!this.rewrite) return undefined;
    visible += this.parser.rest();
    return visible === "" ? undefined : Buffer.from(visible);
  }

  end(outcome: Parameters<StreamHandler<unknown>["end"]>[0]): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.handler.end(outcome);
    } catch (error) {
      this.warn("a stream's usage could not be recorded", error);
    }
  }

  /** Hands an event's data to the handler: `HIDDEN`, `null` (a chunk whose `usage` is null) or anything else to keep. */
  private see(data: string | undefined): unknown {
    if (data === undefined || data === "[DONE]") return KEEP;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return KEEP;
    }
    if (value === null || typeof value !== "object") return KEEP;
    const nullUsage = (value as { usage?: unknown }).usage === null;
    try {
      if (this.handler.chunk(value) === undefined) return HIDDEN;
    } catch (error) {
      this.warn("a stream chunk could not be read", error);
    }
    return nullUsage ? null : KEEP;
  }
}

const HIDDEN = Symbol("hidden");
const KEEP = Symbol("keep");

/**
 * An event without the trailing `"usage":null` member of its JSON (OpenAI puts `usage` last).
 * In valid JSON that text can only be a member, never part of a string (whose quotes are escaped);
 * an event where it is not last is forwarded as it is (the caller then reads `usage: null`).
 */
function withoutNullUsage(raw: string): string {
  return raw.replace(/,\s*"usage"\s*:\s*null(\s*\}\s*)$/, "$1");
}
