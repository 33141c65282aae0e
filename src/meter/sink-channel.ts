import type { UsageEvent } from "../usage/usage-event.ts";
import type { Diagnostics } from "./diagnostics.ts";
import type { UsageSink } from "./types.ts";

const DEFAULT_MAX_ATTEMPTS = 3;
const RETRY_BASE_DELAY_MS = 50;

/**
 * Delivers events to one sink, in order, in batches, off the caller's stack. A failing sink is
 * retried a bounded number of times and then its batch is dropped and counted; a slow sink only
 * fills its own bounded buffer. Nothing here can throw into the meter or the other sinks.
 */
export class SinkChannel {
  readonly name: string;
  failures = 0;
  dropped = 0;
  // Events wait in buffer[head..]; the consumed prefix is cut off now and then, not per batch.
  private buffer: UsageEvent[] = [];
  private head = 0;
  private delivering = false;
  private idleWaiters: Array<() => void> = [];
  private readonly sink: UsageSink;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly diagnostics: Diagnostics;

  constructor(
    sink: UsageSink,
    options: { name: string; maxBuffered: number; batchSize: number; diagnostics: Diagnostics },
  ) {
    this.sink = sink;
    this.name = options.name;
    this.maxBuffered = options.maxBuffered;
    this.batchSize = options.batchSize;
    this.diagnostics = options.diagnostics;
  }

  push(event: UsageEvent): void {
    if (this.buffer.length - this.head >= this.maxBuffered) {
      this.dropped += 1;
      this.diagnostics.once(
        `sink-full:${this.name}`,
        "warn",
        `sink "${this.name}" is not keeping up: its buffer of ${this.maxBuffered} events is full, so new events are dropped for it (counted in meter.getHealth().droppedBySink)`,
      );
      return;
    }
    this.buffer.push(event);
    if (!this.delivering) {
      this.delivering = true;
      void this.deliver();
    }
  }

  /** Resolves once everything pushed so far was delivered or dropped. */
  whenIdle(): Promise<void> {
    if (!this.delivering) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    try {
      await this.sink.close?.();
    } catch (error) {
      this.diagnostics.report("warn", `sink "${this.name}" failed to close`, error);
    }
  }

  private async deliver(): Promise<void> {
    while (this.head < this.buffer.length) {
      const batch = this.buffer.slice(this.head, this.head + this.batchSize);
      this.head += batch.length;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      } else if (this.head > 4096 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
      await this.writeWithRetries(batch);
    }
    this.delivering = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async writeWithRetries(batch: UsageEvent[]): Promise<void> {
    const maxAttempts = Math.max(1, this.sink.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await this.sink.write(batch);
        return;
      } catch (error) {
        this.failures += 1;
        this.diagnostics.once(
          `sink-failed:${this.name}`,
          "warn",
          `sink "${this.name}" failed; failures are retried ${maxAttempts - 1} time(s), then the batch is dropped and counted (reported once)`,
          error,
        );
        if (attempt < maxAttempts) await delay(RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
      }
    }
    this.dropped += batch.length;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
