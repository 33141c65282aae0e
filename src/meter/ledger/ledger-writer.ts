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
 * transaction per batch, scheduled with `setImmediate`, so a burst of calls becomes one write.
 *
 * A failed batch is split in halves and each half written on its own, down to single events, so
 * what can be written is (a full disk still takes a smaller batch; one bad row does not hold back
 * the others). An event the store rejects on its own with a constraint or data error is dropped
 * and counted (`rejected`): retrying it would fail forever. Every other failure leaves the events
 * buffered and retried with backoff. What is still buffered when the writer closes, or when the
 * process exits, is counted as lost (`dropped`) and reported once with its number. Since appends
 * are idempotent by event id, a retry after an unclear failure cannot double-count.
 */
export class LedgerWriter {
  /** Events never written: over the buffer bound, rejected by the store, or left at close/exit. */
  dropped = 0;
  /** Of `dropped`, the events the store rejected on their own (a constraint or data error). */
  rejected = 0;
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
    const appendSync = store.appendSync.bind(store);
    while (this.pending > 0) {
      const batch = this.buffer.slice(this.head, this.head + this.batchSize);
      try {
        appendSync(batch);
      } catch (error) {
        this.recordFailure(error);
        const retry = this.writeInPieces(batch, (events) => void appendSync(events));
        this.requeue(batch.length, retry);
        if (retry.length > 0) {
          this.schedule();
          return false;
        }
        continue;
      }
      this.consume(batch.length);
    }
    return true;
  }

  /**
   * Counts what is still buffered as lost and reports its number once: for the process's exit,
   * when a last synchronous flush could not write it. Returns how many events that was.
   */
  abandonPending(): number {
    const lost = this.pending;
    if (lost === 0) return 0;
    this.dropped += lost;
    this.buffer = [];
    this.head = 0;
    this.diagnostics.report(
      "error",
      `${lost} events could not be written to the ledger and are lost (counted in meter.getHealth().droppedBySink.ledger)`,
    );
    return lost;
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

  /** Flushes, then closes the store. Resolves with the number of events never written. */
  async close(): Promise<number> {
    await this.flush();
    this.abandonPending();
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    try {
      await this.store?.close();
    } catch (error) {
      this.diagnostics.report("warn", "the ledger failed to close", error);
    }
    return this.dropped;
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
        const retry =
          store.appendSync !== undefined
            ? this.writeInPieces(
                batch,
                (events) =>
                  void store.appendSync?.(events, { busyTimeoutMs: BACKGROUND_BUSY_TIMEOUT_MS }),
              )
            : await this.writeInPiecesAsync(batch, (events) => store.append(events));
        this.requeue(batch.length, retry);
        if (retry.length > 0) {
          this.scheduleRetry();
          return;
        }
        continue;
      }
      this.consume(batch.length);
      this.consecutiveFailures = 0;
    }
  }

  /**
   * After `batch` failed as a whole, the pieces to write instead, one at a time: each is told the
   * previous piece's error (undefined when it was written). A failing piece is halved; a written
   * one lets the next grow again. A single event failing for what it holds is dropped and counted;
   * a single event failing for any other reason (a full disk, a database gone) ends the round, and
   * what is left is returned to retry later. So a full disk keeps what fits, and one bad row costs
   * about log2(batch) more transactions.
   */
  private *piecesOf(batch: readonly UsageEvent[]): Generator<UsageEvent[], UsageEvent[], unknown> {
    let size = Math.ceil(batch.length / 2);
    let start = 0;
    while (start < batch.length) {
      const piece = batch.slice(start, start + size);
      const error = yield piece;
      if (error === undefined) {
        start += piece.length;
        size = Math.min(size * 2, batch.length);
      } else if (piece.length > 1) {
        size = Math.ceil(size / 2);
      } else if (isRowError(error)) {
        this.reject(piece, error);
        start += 1;
      } else {
        return batch.slice(start);
      }
    }
    return [];
  }

  /** Writes `batch` in pieces (see `piecesOf`); returns the events to retry later. */
  private writeInPieces(
    batch: readonly UsageEvent[],
    write: (events: readonly UsageEvent[]) => void,
  ): UsageEvent[] {
    const pieces = this.piecesOf(batch);
    let step = pieces.next();
    while (step.done !== true) {
      let failure: unknown;
      try {
        write(step.value);
      } catch (error) {
        failure = error ?? new Error("the store failed");
      }
      step = pieces.next(failure);
    }
    return step.value;
  }

  /** `writeInPieces` for a store that only writes asynchronously (PostgreSQL). */
  private async writeInPiecesAsync(
    batch: readonly UsageEvent[],
    write: (events: readonly UsageEvent[]) => Promise<unknown>,
  ): Promise<UsageEvent[]> {
    const pieces = this.piecesOf(batch);
    let step = pieces.next();
    while (step.done !== true) {
      let failure: unknown;
      try {
        await write(step.value);
      } catch (error) {
        failure = error ?? new Error("the store failed");
      }
      step = pieces.next(failure);
    }
    return step.value;
  }

  /** Drops one event the store refuses for what it holds, and counts it. */
  private reject(single: readonly UsageEvent[], error: unknown): void {
    this.rejected += 1;
    this.dropped += 1;
    this.diagnostics.once(
      "ledger-rejected",
      "error",
      `the ledger rejected an event (id ${single[0]?.id}); it is dropped so that the events after it are written (counted in meter.getHealth().droppedBySink.ledger, reported once)`,
      error,
    );
  }

  /** Replaces the `count` events at the head of the buffer with `retry` (those not yet written). */
  private requeue(count: number, retry: UsageEvent[]): void {
    const rest = this.buffer.slice(this.head + count);
    this.buffer = retry.length === 0 ? rest : [...retry, ...rest];
    this.head = 0;
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

/** SQLite's primary result codes for a row that can never be written: too big, constraint, type. */
const SQLITE_ROW_ERRORS = new Set([18, 19, 20]);

/**
 * Whether a store's error is about the row it was given, so writing the same row again can never
 * succeed. SQLite (node:sqlite's `errcode`, an extended code): SQLITE_TOOBIG, SQLITE_CONSTRAINT
 * (NOT NULL, UNIQUE, CHECK, a trigger's RAISE) and SQLITE_MISMATCH; PostgreSQL (pg's SQLSTATE
 * `code`): class 22 (data exception) and 23 (integrity constraint violation). Disk full, I/O and
 * connection errors are not: the same row may be written later.
 */
function isRowError(error: unknown): boolean {
  const { errcode, code } = (error ?? {}) as { errcode?: unknown; code?: unknown };
  if (typeof errcode === "number") return SQLITE_ROW_ERRORS.has(errcode & 0xff);
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
