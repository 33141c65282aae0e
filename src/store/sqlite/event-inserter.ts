import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { EVENT_COLUMNS, type SqlValue, writeEventRow } from "./event-row.ts";

/**
 * Rows per INSERT statement, largest first: a batch is cut greedily into these sizes. One
 * statement per 64 rows instead of one per row saves 0.5–1 µs a row of per-statement work in
 * node:sqlite and SQLite (measured with bench/ledger.bench.ts); 64 × 22 parameters stay far below
 * SQLite's limit of 32,766.
 */
const STATEMENT_ROWS = [64, 16, 4, 1] as const;

/** Rows whose parameter arrays are kept between batches: the meter's batch size, bounded memory. */
const MAX_POOLED_ROWS = 8_192;

/** A batch's bound values, built before the write lock is taken. */
export interface BoundBatch {
  readonly events: readonly UsageEvent[];
  /** Parameters of each statement, `rows × EVENT_COLUMNS.length` values. */
  readonly statements: readonly SqlValue[][];
  /** Each event's row: the parameter array that holds it, and where in it. */
  readonly rowValues: readonly SqlValue[][];
  readonly rowOffsets: readonly number[];
}

/**
 * The rows a batch really added (a replayed or repeated id is not among them), in order: each
 * one's parameter array and offset (`EVENT_COLUMNS` order).
 */
export interface InsertedRows {
  values: readonly (readonly SqlValue[])[];
  offsets: readonly number[];
}

/** An event's identity in the ledger: its time and its id (see migration 5 in schema.ts). */
function eventKey(timeMs: number, id: string): string {
  return `${timeMs}\u0000${id}`;
}

/**
 * Inserts events with multi-row `INSERT ... ON CONFLICT(ts_ms, id) DO NOTHING` statements and
 * reports which of them were new, so rollups and sessions only count those (replays never
 * double-count).
 * The common case, every row new, is known from the statements' change counts alone; otherwise
 * the rows added by this transaction are exactly those above the rowid it started from (rowids
 * grow by one per insert while we hold the write lock), and their times and ids are read back.
 */
export class EventInserter {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<number, StatementSync>();
  // Parameter arrays reused from batch to batch (per statement size): a 5,000-event batch would
  // otherwise allocate ~900 KB of arrays that live just long enough to be copied by the GC.
  private readonly parameterPools = new Map<number, SqlValue[][]>();
  private readonly maxRowid: StatementSync;
  private readonly idsAfter: StatementSync;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.maxRowid = db.prepare("SELECT COALESCE(MAX(rowid), 0) FROM events");
    this.maxRowid.setReturnArrays(true);
    this.idsAfter = db.prepare("SELECT ts_ms, id FROM events WHERE rowid > ?");
    this.idsAfter.setReturnArrays(true);
  }

  /**
   * Builds the bound values of `events` (no database access: call it before locking). The
   * result is only valid until the next `bind`: insert it first.
   */
  bind(events: readonly UsageEvent[]): BoundBatch {
    const width = EVENT_COLUMNS.length;
    const statements: SqlValue[][] = [];
    const rowValues: SqlValue[][] = new Array(events.length);
    const rowOffsets: number[] = new Array(events.length);
    let index = 0;
    for (const rows of STATEMENT_ROWS) {
      let pool = this.parameterPools.get(rows);
      if (pool === undefined) {
        pool = [];
        this.parameterPools.set(rows, pool);
      }
      for (let used = 0; events.length - index >= rows; used++) {
        let values = pool[used];
        if (values === undefined) {
          values = new Array<SqlValue>(rows * width).fill(null);
          if (pool.length < MAX_POOLED_ROWS / rows) pool.push(values);
        }
        for (let row = 0; row < rows; row++, index++) {
          writeEventRow(events[index]!, values, row * width);
          rowValues[index] = values;
          rowOffsets[index] = row * width;
        }
        statements.push(values);
      }
    }
    return { events, statements, rowValues, rowOffsets };
  }

  /** Inserts a bound batch; must run inside the caller's write transaction. */
  insert(batch: BoundBatch): InsertedRows {
    const before = this.maxRowid.get() as unknown as [number | bigint];
    let changes = 0;
    for (const values of batch.statements) {
      changes += Number(
        this.statement(values.length / EVENT_COLUMNS.length).run(...values).changes,
      );
    }
    if (changes === batch.events.length)
      return { values: batch.rowValues, offsets: batch.rowOffsets };
    if (changes === 0) return { values: [], offsets: [] };
    // Some events were already stored (or repeated in the batch: the first one was inserted).
    const added = new Set<string>();
    for (const row of this.idsAfter.iterate(before[0]) as Iterable<[number, string]>)
      added.add(eventKey(row[0], row[1]));
    const values: SqlValue[][] = [];
    const offsets: number[] = [];
    for (let index = 0; index < batch.events.length; index++) {
      const rowValues = batch.rowValues[index]!;
      const offset = batch.rowOffsets[index]!;
      // The bound row starts with the id and the time (EVENT_COLUMNS order).
      if (!added.delete(eventKey(rowValues[offset + 1] as number, rowValues[offset] as string)))
        continue;
      values.push(rowValues);
      offsets.push(offset);
    }
    return { values, offsets };
  }

  private statement(rows: number): StatementSync {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const placeholders = `(${EVENT_COLUMNS.map(() => "?").join(", ")})`;
      statement = this.db.prepare(
        `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) VALUES ${new Array(rows).fill(placeholders).join(", ")} ON CONFLICT(ts_ms, id) DO NOTHING`,
      );
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
