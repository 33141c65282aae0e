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

  /**
   * Buffers `event`; `startDelivery()` writes what is buffered. The meter pushes a whole drain's
   * events and then starts delivery once, so a batch sink gets them in one `write`.
   */
  push(event: UsageEvent): void {
    // While idle, the first buffered event is the one about to be written, not a waiting one:
    // the bound counts waiting events only, whether delivery started before or after this push.
    const waiting = this.buffer.length - this.head;
    const inFlight = this.delivering || waiting === 0 || this.maxBuffered === 0 ? 0 : 1;
    if (waiting - inFlight >= this.maxBuffered) {
      this.dropped += 1;
      this.diagnostics.once(
        `sink-full:${this.name}`,
        "warn",
        `sink "${this.name}" is not keeping up: its buffer of ${this.maxBuffered} events is full, so new events are dropped for it (counted in meter.getHealth().droppedBySink)`,
      );
      return;
    }
    this.buffer.push(event);
  }

  /**
   * Writes the buffered events, in batches. A sink that answers synchronously is served in this
   * call, with no promise, microtask or timer; the first promise (or failure) moves the rest of
   * the delivery to an async loop, which later pushes join.
   */
  startDelivery(): void {
    if (this.delivering || this.head >= this.buffer.length) return;
    this.delivering = true;
    // The first write takes the first event alone, as when each push started delivery itself: the
    // event in flight plus `maxBuffered` waiting ones is what a stuck sink holds, however events
    // were gathered.
    let size = 1;
    while (this.head < this.buffer.length) {
      const batch = this.takeBatch(size);
      size = this.batchSize;
      let result: void | Promise<void>;
      try {
        result = this.sink.write(batch);
      } catch (error) {
        void this.deliverAsync(this.retry(batch, error));
        return;
      }
      if (isPromiseLike(result)) {
        void this.deliverAsync(this.settle(batch, result));
        return;
      }
    }
    this.becomeIdle();
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

  // The cut-off prefix is dropped now and then, not per batch: slicing per batch is quadratic.
  private takeBatch(size: number): UsageEvent[] {
    // A buffer that fits in one batch is handed over whole (a new one replaces it): no copy.
    const batch =
      this.head === 0 && this.buffer.length <= size
        ? this.buffer
        : this.buffer.slice(this.head, this.head + size);
    this.head += batch.length;
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  // The slow path, once a sink returned a promise or threw: one batch at a time, awaited.
  private async deliverAsync(current: Promise<void>): Promise<void> {
    await current;
    while (this.head < this.buffer.length) {
      await this.writeWithRetries(this.takeBatch(this.batchSize), 1);
    }
    this.becomeIdle();
  }

  private becomeIdle(): void {
    this.delivering = false;
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // The first attempt's promise; its failure continues with the retries.
  private async settle(batch: UsageEvent[], result: PromiseLike<void>): Promise<void> {
    try {
      await result;
    } catch (error) {
      await this.retry(batch, error);
    }
  }

  // After a failed first attempt: count it, then retry from the second.
  private async retry(batch: UsageEvent[], error: unknown): Promise<void> {
    if (this.failed(error, 1)) {
      await delay(RETRY_BASE_DELAY_MS);
      await this.writeWithRetries(batch, 2);
    } else {
      this.dropped += batch.length;
    }
  }

  private async writeWithRetries(batch: UsageEvent[], firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        await this.sink.write(batch);
        return;
      } catch (error) {
        if (!this.failed(error, attempt)) break;
        await delay(RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
      }
    }
    this.dropped += batch.length;
  }

  // Counts and reports a failed attempt; whether another attempt is due.
  private failed(error: unknown, attempt: number): boolean {
    const maxAttempts = Math.max(1, this.sink.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.failures += 1;
    this.diagnostics.once(
      `sink-failed:${this.name}`,
      "warn",
      `sink "${this.name}" failed; failures are retried ${maxAttempts - 1} time(s), then the batch is dropped and counted (reported once)`,
      error,
    );
    return attempt < maxAttempts;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
