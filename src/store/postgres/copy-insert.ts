import { once } from "node:events";
import { finished } from "node:stream/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { PoolClient } from "pg";
import type { from as copyFromType } from "pg-copy-streams";
import { EVENT_COLUMN_LIST } from "./event-columns.ts";

/** `pg-copy-streams`' `from`: starts a `COPY ... FROM STDIN` and returns the stream to write. */
export type CopyFrom = typeof copyFromType;

// https://www.postgresql.org/docs/current/errcodes-appendix.html
const UNIQUE_VIOLATION = "23505";

/** Produces the COPY text of a batch piece by piece; called again when the batch is re-sent. */
export type CopyPieces = () => Iterable<string>;

/**
 * Writes the COPY text from `pieces` (see copy-text.ts) into `table`, idempotently by event id, and returns
 * how many rows are new.
 *
 * The common case, a batch of new events, is one `COPY table FROM STDIN`: a single statement, so
 * it is atomic without BEGIN/COMMIT round trips, and the cheapest way into PostgreSQL. COPY has no
 * ON CONFLICT, so a batch holding an id already stored fails whole with a unique violation (nothing
 * of it is kept) and is written again through a temporary staging table with
 * `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, which skips the ids already there. Replays are
 * rare (a retry after an unclear failure, two instances sending the same event), so they pay the
 * second pass; new events never pay for the staging copy.
 */
export async function copyInsert(
  client: PoolClient,
  copyFrom: CopyFrom,
  table: string,
  pieces: CopyPieces,
): Promise<number> {
  try {
    return await copyPieces(
      client,
      copyFrom,
      `COPY ${table} (${EVENT_COLUMN_LIST}) FROM STDIN`,
      pieces,
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
  }
  return insertThroughStaging(client, copyFrom, table, pieces);
}

async function insertThroughStaging(
  client: PoolClient,
  copyFrom: CopyFrom,
  table: string,
  pieces: CopyPieces,
): Promise<number> {
  await client.query("BEGIN");
  try {
    // ON COMMIT DROP: nothing outlives the transaction, so this also works through poolers in
    // transaction mode (PgBouncer), where the next transaction may run on another connection.
    await client.query(`CREATE TEMPORARY TABLE llmeter_staging (LIKE ${table}) ON COMMIT DROP`);
    await copyPieces(
      client,
      copyFrom,
      `COPY pg_temp.llmeter_staging (${EVENT_COLUMN_LIST}) FROM STDIN`,
      pieces,
    );
    const result = await client.query(
      `INSERT INTO ${table} (${EVENT_COLUMN_LIST})
       SELECT ${EVENT_COLUMN_LIST} FROM pg_temp.llmeter_staging
       ON CONFLICT DO NOTHING`,
    );
    await client.query("COMMIT");
    return result.rowCount ?? 0;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      // The connection is gone; the server rolls the transaction back itself.
    });
    throw error;
  }
}

/**
 * Streams the pieces into one COPY statement. Each piece is encoded only after the previous one
 * went to the socket, with a turn of the event loop between them: the server parses and indexes
 * piece n while this process encodes piece n + 1, so on a multi-core machine the two overlap
 * instead of adding up.
 */
async function copyPieces(
  client: PoolClient,
  copyFrom: CopyFrom,
  sql: string,
  pieces: CopyPieces,
): Promise<number> {
  const stream = client.query(copyFrom(sql));
  // The server may refuse the statement while pieces are still being sent (a duplicate id, a
  // value out of range): remember its error, stop writing, and report that error.
  let refusal: unknown;
  stream.on("error", (error) => {
    refusal ??= error;
  });
  const done = finished(stream);
  // Awaited below on the normal path; this keeps an early failure from going unhandled.
  done.catch(() => {});
  try {
    for (const piece of pieces()) {
      if (refusal !== undefined) break;
      if (!stream.write(piece)) await Promise.race([once(stream, "drain"), done]);
      await yieldToEventLoop();
    }
  } catch (error) {
    if (refusal !== undefined) throw refusal;
    // Encoding failed: CopyFail makes the server discard the whole statement.
    stream.destroy(error as Error);
    await done.catch(() => {});
    throw error;
  }
  if (refusal !== undefined) throw refusal;
  stream.end();
  await done;
  return stream.rowCount;
}
