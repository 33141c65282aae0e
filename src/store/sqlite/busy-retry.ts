/**
 * Retrying "database is busy/locked". SQLite's own `busy_timeout` waits for most locks, but a few
 * cases (a checkpoint in progress, a snapshot that went stale) return SQLITE_BUSY at once. Those
 * are retried here with a growing pause, so several processes sharing one ledger never lose an
 * event to a transient lock.
 */

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** Whether `error` is SQLite's busy or locked (including extended codes such as BUSY_SNAPSHOT). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code !== "number") return false;
  const primary = code & 0xff;
  return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms`: only for the synchronous write path, between busy retries. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Runs `work`, retrying busy/locked errors for up to `timeoutMs` in total. */
export function withBusyRetrySync<T>(work: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      sleepSync(Math.min(100, 2 ** attempt) + Math.random() * 5);
    }
  }
}
