import { isBusyError } from "../../store/sqlite/busy-retry.ts";
import type { UsageStore } from "../../store/usage-store.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import type { Diagnostics } from "../diagnostics.ts";

export interface LedgerWriterOptions {
  /** Events held while the store is slow or failing; beyond, new events are dropped and counted. */
  maxBuffered: number;
  /** Most events per transaction. */
  batchSize?: number;
  diagnostics: Diagnostics;
}

const DEFAULT_BATCH_SIZE = 5_000;
const RETRY_BASE_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 5_000;
/** Failed attempts after which `flush()` stops waiting (the events stay buffered and retried). */
const FLUSH_MAX_ATTEMPTS = 5;
/** How long `flush()` waits out another process's lock on the ledger before giving up. */
const FLUSH_BUSY_WAIT_MS = 10_000;

/**
 * Writes the meter's events to the ledger store in batches, off the caller's stack: one
 * transaction per batch, scheduled with `setImmediate`, so a burst of calls becomes one write. A
 * failed write is never dropped: the batch stays at the head of the buffer and is retried with
 * backoff (only the buffer bound can drop events, and those are counted). Since appends are
 * idempotent by event id, a retry after an unclear failure cannot double-count.
 */
export class LedgerWriter {
  dropped = 0;
  failures = 0;
  private buffer: UsageEvent[] = [];
  private head = 0;
  private store: UsageStore | undefined;
  private storeFailed = false;
  private readonly opening: Promise<void> | undefined;
  private scheduled = false;
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly diagnostics: Diagnostics;
  private readonly writeBound = () => {
    this.scheduled = false;
    void this.writePending();
  };

  constructor(store: UsageStore | Promise<UsageStore>, options: LedgerWriterOptions) {
    this.maxBuffered = options.maxBuffered;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.diagnostics = options.diagnostics;
    if (store instanceof Promise) {
      this.opening = store.then(
        (opened) => {
          this.store = opened;
          this.schedule();
        },
        (error: unknown) => {
          this.storeFailed = true;
          this.diagnostics.report(
            "error",
            "the ledger could not be opened; usage is kept in memory only",
            error,
          );
        },
      );
    } else {
      this.store = store;
    }
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffer.length - this.head;
  }

  /** Whether this writer can write synchronously (SQLite). */
  get canWriteSync(): boolean {
    return this.store?.appendSync !== undefined;
  }

  push(event: UsageEvent): void {
    if (this.closed || this.storeFailed) return;
    if (this.pending >= this.maxBuffered) {
      this.dropped += 1;
      this.diagnostics.once(
        "ledger-full",
        "warn",
        `the ledger is not keeping up: ${this.maxBuffered} events are waiting, so new events are dropped (counted in meter.getHealth().droppedBySink.ledger)`,
      );
      return;
    }
    this.buffer.push(event);
    this.schedule();
  }

  /**
   * Writes everything buffered now, synchronously, when the store allows it (SQLite). Used by
   * `syncWrites` and at process exit. Returns false when something is still buffered.
   */
  flushSync(): boolean {
    const store = this.store;
    if (store?.appendSync === undefined) return this.pending === 0;
    while (this.pending > 0) {
      const batch = this.buffer.slice(this.head, this.head + this.batchSize);
      try {
        store.appendSync(batch);
      } catch (error) {
        this.recordFailure(error);
        this.schedule();
        return false;
      }
      this.consume(batch.length);
    }
    return true;
  }

  /** Resolves when everything pushed so far is written, or after repeated failures (still buffered). */
  async flush(): Promise<void> {
    if (this.opening !== undefined) await this.opening;
    let attempts = 0;
    const busyDeadline = Date.now() + FLUSH_BUSY_WAIT_MS;
    while (this.pending > 0 && !this.storeFailed && attempts < FLUSH_MAX_ATTEMPTS) {
      if (this.writing !== undefined) {
        await this.writing;
        continue;
      }
      const failuresBefore = this.failures;
      const pendingBefore = this.pending;
      await this.writePending();
      if (this.failures > failuresBefore) {
        attempts += 1;
        await delay(Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempts));
      } else if (this.pending === pendingBefore) {
        // The ledger is locked by another process: let the event loop run, then try again,
        // for as long as the store itself would wait for a lock.
        if (Date.now() >= busyDeadline) break;
        await delay(BUSY_RETRY_DELAY_MS);
      }
    }
    if (this.writing !== undefined) await this.writing;
  }

  /** Flushes, then closes the store. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    try {
      await this.store?.close();
    } catch (error) {
      this.diagnostics.report("warn", "the ledger failed to close", error);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing !== undefined || this.retryTimer !== undefined) return;
    if (this.store === undefined || this.pending === 0) return;
    this.scheduled = true;
    setImmediate(this.writeBound);
  }

  private writePending(): Promise<void> {
    if (this.writing !== undefined) return this.writing;
    this.writing = this.writeLoop().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeLoop(): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    while (this.pending > 0) {
      const batch = this.buffer.slice(this.head, this.head + this.batchSize);
      try {
        // Short lock wait on the application's thread; a busy ledger is retried later instead.
        if (store.appendSync !== undefined)
          store.appendSync(batch, { busyTimeoutMs: BACKGROUND_BUSY_TIMEOUT_MS });
        else await store.append(batch);
      } catch (error) {
        if (isBusyError(error)) {
          // Another process holds the ledger's lock: not a failure, just try again shortly.
          this.scheduleRetry(BUSY_RETRY_DELAY_MS + Math.random() * BUSY_RETRY_DELAY_MS);
          return;
        }
        this.recordFailure(error);
        this.scheduleRetry();
        return;
      }
      this.consume(batch.length);
      this.consecutiveFailures = 0;
    }
  }

  private consume(count: number): void {
    this.head += count;
    if (this.head >= this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }

  private recordFailure(error: unknown): void {
    this.failures += 1;
    this.consecutiveFailures += 1;
    this.diagnostics.once(
      "ledger-failed",
      "warn",
      "writing to the ledger failed; the events stay buffered and are retried (reported once)",
      error,
    );
  }

  private scheduleRetry(
    wait = Math.min(
      RETRY_MAX_DELAY_MS,
      RETRY_BASE_DELAY_MS * 2 ** Math.min(this.consecutiveFailures, 10),
    ),
  ): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, wait);
    // A retry alone must not keep the process alive; the exit hook writes what is left.
    this.retryTimer.unref();
  }
}

/**
 * How long a background write may block the event loop waiting for another process's lock.
 * `syncWrites` and the exit flush wait the store's full busy timeout instead: they must not lose
 * the event.
 */
const BACKGROUND_BUSY_TIMEOUT_MS = 25;
/** Pause before trying a busy ledger again (plus up to as much jitter). */
const BUSY_RETRY_DELAY_MS = 10;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
