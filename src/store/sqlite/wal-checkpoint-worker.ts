// The thread behind WalCheckpointer (wal-checkpointer.ts): its own connection to the ledger, which
// copies committed WAL frames into the database file while the application's thread goes on
// writing. It sleeps on a shared word until the writer says it committed, so an idle ledger costs
// nothing, and never touches the rows: a PASSIVE checkpoint waits for no lock and blocks no one.
import { DatabaseSync } from "node:sqlite";
import { workerData } from "node:worker_threads";
import { CHECKPOINT_STATE, type CheckpointWorkerData } from "./wal-checkpointer.ts";

const { path, state, pauseMs } = workerData as CheckpointWorkerData;
const IDLE = CHECKPOINT_STATE.idle;
const DIRTY = CHECKPOINT_STATE.dirty;
const STOP = CHECKPOINT_STATE.stop;

// timeout 0: a checkpoint that meets another process's checkpoint gives up at once (SQLITE_BUSY)
// and the next round tries again; waiting would only hold this thread.
const db = new DatabaseSync(path, { timeout: 0 });
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

for (;;) {
  Atomics.wait(state, 0, IDLE);
  // Taking the "dirty" mark before checkpointing: a commit made meanwhile marks it again, so no
  // commit is left behind without a round after it.
  if (Atomics.compareExchange(state, 0, DIRTY, IDLE) === STOP) break;
  try {
    checkpoint.get();
  } catch {
    // Busy (another process checkpoints) or an I/O error: the writer's own automatic checkpoint
    // is still there as a fallback, and the next round retries.
  }
  // A pause between rounds, so a busy writer's commits are copied in runs, not one by one. Only
  // `stop` wakes it early (slot 1 is notified for nothing else).
  Atomics.wait(state, 1, 0, pauseMs);
  if (Atomics.load(state, 0) === STOP) break;
}
db.close();
