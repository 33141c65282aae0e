/**
 * Flushing the ledger when the process ends. Registered flushers run synchronously on `exit`
 * (SQLite can still write then), on SIGINT and SIGTERM, and asynchronously on `beforeExit` (for
 * stores that can only write asynchronously, such as PostgreSQL).
 *
 * A signal is not swallowed: when llmeter's handler is the only one for that signal, it flushes,
 * removes itself and re-raises the signal, so the process ends exactly as Node would have ended it
 * (killed by the signal, exit code 128 + n). When the application has its own handler, llmeter only
 * flushes and leaves the decision to the application.
 */

/** `final`: the process ends right after this call, so what cannot be written now is lost. */
type SyncFlush = (final: boolean) => void;
type AsyncFlush = () => Promise<void>;

interface Flusher {
  sync: SyncFlush;
  async: AsyncFlush;
  /** Whether there is anything left to write; `beforeExit` only starts work when true. */
  hasPending: () => boolean;
}

const flushers = new Set<Flusher>();
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
let installed = false;

function flushAllSync(final: boolean): void {
  for (const flusher of flushers) {
    try {
      flusher.sync(final);
    } catch {
      // Exiting: nothing can be reported reliably, and the next flusher must still run.
    }
  }
}

function onExit(): void {
  flushAllSync(true);
}

/** Consecutive `beforeExit` flushes that left events behind, per flusher. */
const fruitlessRounds = new WeakMap<Flusher, number>();
/**
 * After this many `beforeExit` flushes in a row that could not empty the queue (the store keeps
 * failing: disk full, database down), the process is let go: without a bound, each flush's retries
 * keep the loop alive, `beforeExit` fires again, and the application never exits.
 */
const MAX_FRUITLESS_ROUNDS = 2;

function onBeforeExit(): void {
  // Async work here keeps the loop alive; `beforeExit` fires again once it is done.
  for (const flusher of flushers) {
    if (!flusher.hasPending()) {
      fruitlessRounds.delete(flusher);
      continue;
    }
    const rounds = fruitlessRounds.get(flusher) ?? 0;
    if (rounds >= MAX_FRUITLESS_ROUNDS) continue;
    fruitlessRounds.set(flusher, rounds + 1);
    void flusher.async().catch(() => {});
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // With the application's own handler the process may go on: nothing is given up yet.
  const ours = process.listenerCount(signal) === 1;
  flushAllSync(ours);
  if (ours) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  process.on("beforeExit", onBeforeExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener("exit", onExit);
  process.removeListener("beforeExit", onBeforeExit);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/** Registers a flusher for process exit and signals; call the returned function to unregister. */
export function registerExitFlush(flusher: Flusher): () => void {
  flushers.add(flusher);
  install();
  return () => {
    flushers.delete(flusher);
    if (flushers.size === 0) uninstall();
  };
}
