import { once } from "node:events";
import { Worker } from "node:worker_threads";

/**
 * Checkpoints of the ledger's WAL on a thread of their own.
 *
 * In WAL mode every committed page is written twice: to the WAL at commit, and later into the
 * database file by a checkpoint. Left to SQLite, the checkpoint runs inside the commit that
 * crosses `wal_autocheckpoint`, on the application's thread: copying 80 MB of pages and two
 * `fsync`s in one call (≈ 9 % of the CPU of sustained ingest, and a stall of 100 ms or more for the
 * event loop that happens to make that commit). Here a worker thread with its own connection runs
 * a PASSIVE checkpoint after commits instead, on the machine's other core. The writer's
 * `wal_autocheckpoint` stays as a fallback: by the time it fires, the worker has copied almost
 * every frame, so the writer only finishes the rest and the WAL starts over.
 */

/** The shared word's values (slot 0). Slot 1 exists only to wake the worker's pause on stop. */
export const CHECKPOINT_STATE = { idle: 0, dirty: 1, stop: 2 } as const;

/** What the worker is started with. */
export interface CheckpointWorkerData {
  path: string;
  state: Int32Array;
  /** The worker's pause between two checkpoints. */
  pauseMs: number;
}

// Compiled to dist/ the worker is a .js file beside this one; run from source, a .ts file.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./wal-checkpoint-worker.ts" : "./wal-checkpoint-worker.js",
  import.meta.url,
);

/**
 * The worker's pause between checkpoints while the writer is busy. Each round copies the latest
 * version of every page changed since the last one, so a page a busy writer keeps changing (the
 * last leaf, the rollups) is copied once per round, and each round has its two fsyncs: with 50 ms
 * the thread cost ~0.9 µs of CPU per event at 200,000 events/s, with 250 ms ~0.75, with 1 s ~0.45
 * (one checkpoint at the end, on the writer's thread: ~0.37). Longer pauses leave more for the
 * writer's fallback checkpoint or `close()` to copy on the application's thread (up to one pause
 * of writes), and at that rate the 80 MB fallback threshold is reached every ~1.5 s.
 */
const PAUSE_MS = 250;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly exited: Promise<unknown>;
  private running = true;

  /** Starts the thread, or returns undefined when no thread can be started (the writer's own checkpoints remain). */
  static start(path: string): WalCheckpointer | undefined {
    try {
      return new WalCheckpointer(path);
    } catch {
      return undefined;
    }
  }

  private constructor(path: string) {
    const workerData: CheckpointWorkerData = { path, state: this.state, pauseMs: PAUSE_MS };
    this.worker = new Worker(WORKER_URL, { workerData });
    // Checkpoints never keep the application's process alive; at exit the last connection to
    // close checkpoints what is left.
    this.worker.unref();
    this.exited = once(this.worker, "exit").catch(() => undefined);
    // A worker that fails (cannot open the file, out of memory) leaves the writer's own
    // checkpoints in charge; its failure must not become an unhandled error.
    this.worker.on("error", () => {
      this.running = false;
    });
    this.worker.on("exit", () => {
      this.running = false;
    });
  }

  /** Tells the worker a transaction committed. Cheap: a load, and a store and wake-up when it sleeps. */
  committed(): void {
    if (!this.running) return;
    if (
      Atomics.compareExchange(this.state, 0, CHECKPOINT_STATE.idle, CHECKPOINT_STATE.dirty) ===
      CHECKPOINT_STATE.idle
    )
      Atomics.notify(this.state, 0);
  }

  /** Stops the worker after the checkpoint it may be running, and closes its connection. */
  async stop(): Promise<void> {
    // Referenced again while it finishes, or an application closing the ledger as its last act
    // would exit before the worker, with the close still pending.
    this.worker.ref();
    Atomics.store(this.state, 0, CHECKPOINT_STATE.stop);
    Atomics.notify(this.state, 0);
    Atomics.notify(this.state, 1);
    await this.exited;
  }
}
