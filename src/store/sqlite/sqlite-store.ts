import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { UsageFilter } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { extraFields } from "../extra-fields.ts";
import type {
  AggregateQuery,
  AggregateResult,
  ProviderCostSum,
  RetentionPolicy,
  RetentionResult,
  SessionSummary,
  UsageStore,
} from "../usage-store.ts";
import { AGGREGATE_COLUMNS, aggregateRows } from "./aggregate-rows.ts";
import { withBusyRetrySync } from "./busy-retry.ts";
import { EventInserter } from "./event-inserter.ts";
import { EVENT_COLUMNS, type EventRowArray, rowToEvent, timestampMs } from "./event-row.ts";
import { aggregateFromRollups, type CostChange, HOUR_MS, RollupWriter } from "./rollups.ts";
import { migrate } from "./schema.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing. Default 10,000 ms. */
  busyTimeoutMs?: number;
  /** Rows deleted per transaction by `delete` and `enforceRetention`. Default 5,000. */
  deleteBatchSize?: number;
  /**
   * Answer aggregates from the hourly rollups where possible (default true): fast at any size,
   * percentiles within 1%. `false` always scans the events: exact percentiles, slower on big ledgers.
   */
  useRollups?: boolean;
  /**
   * Copy the WAL into the database file on a thread of its own once this store has written
   * `CHECKPOINT_THREAD_AFTER_EVENTS` events (default true; see wal-checkpointer.ts). `false` leaves
   * every checkpoint to SQLite, inside the commits on the calling thread.
   */
  checkpointThread?: boolean;
}

/**
 * Events a store writes before it starts its checkpoint thread: a process that writes a handful
 * (a CLI import of a small file, a test) never pays for a thread; one that writes steadily gets it
 * within its first batches.
 */
export const CHECKPOINT_THREAD_AFTER_EVENTS = 1_000;

/** The SQLite ledger: a `UsageStore` with a synchronous append and its file's size. */
export interface SqliteStore extends UsageStore {
  /** The absolute path of the ledger file. */
  readonly location: string;
  /**
   * Appends on the calling thread. `busyTimeoutMs` bounds how long it waits for another
   * process's lock (default: the store's); a background writer passes a short one and retries
   * later, so a lock held elsewhere never freezes the application's event loop.
   */
  appendSync(events: readonly UsageEvent[], options?: { busyTimeoutMs?: number }): number;
  /** Bytes used by data (free pages excluded), the measure `maxBytes` retention enforces. */
  sizeBytes(): number;
}

const PAGE_SIZE = 1000;

/** What `updateCosts` reads of a stored event before changing its cost. */
interface StoredCost {
  cost_usd: number | null;
  tenant_id: string | null;
  provider: string;
  model: string;
  kind: string;
  cached: number | null;
}

/**
 * Opens (creating if needed) a SQLite ledger file on Node's built-in `node:sqlite`: WAL, so the CLI
 * can read while applications write; a busy timeout plus retries, so several processes can share
 * one file; one transaction per appended batch; schema migrations on open. A new file and its
 * folder are readable by their owner only (0600 / 0700).
 *
 * @example
 * const store = createSqliteStore(".llmeter/usage.db");
 * await store.append(events);
 */
export function createSqliteStore(location: string, options: SqliteStoreOptions = {}): SqliteStore {
  const path = resolve(location);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const deleteBatchSize = options.deleteBatchSize ?? 5_000;
  const { DatabaseSync } = loadSqlite();
  createPrivateFile(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new Error(
      `Cannot open the ledger ${path}: ${(error as Error).message}. Check the path and its permissions, or set LLMETER_DB to another file.`,
      { cause: error },
    );
  }
  try {
    withBusyRetrySync(() => {
      // Both only take effect on a file with no tables yet (an existing ledger keeps its own).
      // 8 KiB pages: a commit writes each page it touched to the WAL, one frame (two write calls)
      // per page, and halving the frames halved the commit's share of bulk ingest (0.9 → 0.4 µs
      // per event) while a one-event transaction cost the same; 16 KiB pages saved little more
      // and made a one-event transaction ~40 % dearer (measured, see docs/performance.md).
      // auto_vacuum lets retention give space back.
      db.exec("PRAGMA page_size = 8192");
      db.exec("PRAGMA auto_vacuum = INCREMENTAL");
      db.exec("PRAGMA journal_mode = WAL");
    }, busyTimeoutMs);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA cache_size = -65536");
    db.exec("PRAGMA wal_autocheckpoint = 10000");
    withBusyRetrySync(() => migrate(db, path), busyTimeoutMs);
  } catch (error) {
    db.close();
    throw error;
  }

  const inserter = new EventInserter(db);
  const rollups = new RollupWriter(db);
  const upsertSession = db.prepare(
    `INSERT INTO sessions (session_id, started_ms, last_ms) VALUES (?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET
     started_ms = MIN(started_ms, excluded.started_ms), last_ms = MAX(last_ms, excluded.last_ms)`,
  );
  const deleteSession = db.prepare("DELETE FROM sessions WHERE session_id = ?");
  const rebuildSession = db.prepare(
    `INSERT INTO sessions SELECT session_id, MIN(ts_ms), MAX(ts_ms) FROM events WHERE session_id = ? GROUP BY session_id`,
  );
  const updateCost = db.prepare(
    "UPDATE events SET cost_usd = ?, extra = ? WHERE ts_ms = ? AND id = ?",
  );
  // The same, only while the row still has the cost the caller read (`IS`: NULL matches NULL).
  const updateCostIfUnchanged = db.prepare(
    "UPDATE events SET cost_usd = ?, extra = ? WHERE ts_ms = ? AND id = ? AND cost_usd IS ?",
  );
  const selectCost = db.prepare(
    "SELECT cost_usd, tenant_id, provider, model, kind, cached FROM events WHERE ts_ms = ? AND id = ?",
  );
  const useRollups = options.useRollups ?? true;
  let closed = false;
  let checkpointer: WalCheckpointer | undefined;
  // Events written until the checkpoint thread starts (Infinity: never, or started already).
  let eventsBeforeCheckpointThread =
    options.checkpointThread === false ? Number.POSITIVE_INFINITY : CHECKPOINT_THREAD_AFTER_EVENTS;

  function assertOpen(): void {
    if (closed) throw new Error(`The ledger ${path} is closed.`);
  }

  let currentBusyTimeoutMs = busyTimeoutMs;

  function transaction<T>(work: () => T, timeoutMs = busyTimeoutMs): T {
    if (timeoutMs !== currentBusyTimeoutMs) {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(timeoutMs))}`);
      currentBusyTimeoutMs = timeoutMs;
    }
    return withBusyRetrySync(() => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = work();
        db.exec("COMMIT");
        checkpointer?.committed();
        return result;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    }, timeoutMs);
  }

  function appendSync(
    events: readonly UsageEvent[],
    appendOptions: { busyTimeoutMs?: number } = {},
  ): number {
    assertOpen();
    if (events.length === 0) return 0;
    // Rows are bound before the lock is taken, so the transaction holds it only for the inserts.
    const batch = inserter.bind(events);
    const added = transaction(() => {
      // Only events that were really inserted count in the rollups: a replay changes nothing.
      const inserted = inserter.insert(batch);
      rollups.addRows(inserted);
      // One upsert per session touched by the batch, like the rollups.
      const sessions = new Map<string, [number, number]>();
      for (let index = 0; index < inserted.offsets.length; index++) {
        const values = inserted.values[index]!;
        const offset = inserted.offsets[index]!;
        const sessionId = values[offset + 7];
        if (typeof sessionId !== "string") continue;
        const time = values[offset + 1] as number;
        const span = sessions.get(sessionId);
        if (span === undefined) sessions.set(sessionId, [time, time]);
        else {
          if (time < span[0]) span[0] = time;
          if (time > span[1]) span[1] = time;
        }
      }
      for (const [sessionId, [started, last]] of sessions)
        upsertSession.run(sessionId, started, last);
      return inserted.offsets.length;
    }, appendOptions.busyTimeoutMs);
    countTowardCheckpointThread(added);
    return added;
  }

  /** Written events start the checkpoint thread once there are enough: appends and cost updates. */
  function countTowardCheckpointThread(written: number): void {
    eventsBeforeCheckpointThread -= written;
    if (eventsBeforeCheckpointThread > 0) return;
    eventsBeforeCheckpointThread = Number.POSITIVE_INFINITY;
    checkpointer = WalCheckpointer.start(path);
    checkpointer?.committed();
  }

  function select(columns: readonly string[], filter: UsageFilter, suffix = ""): StatementSync {
    const { where } = whereClause(filter);
    const statement = db.prepare(`SELECT ${columns.join(", ")} FROM events${where}${suffix}`);
    statement.setReturnArrays(true);
    return statement;
  }

  function sizeBytes(): number {
    const pages = db.prepare("PRAGMA page_count").get() as { page_count: number };
    const free = db.prepare("PRAGMA freelist_count").get() as { freelist_count: number };
    const size = db.prepare("PRAGMA page_size").get() as { page_size: number };
    return (pages.page_count - free.freelist_count) * size.page_size;
  }

  // Deletes in small transactions, yielding between them so other writers get the lock.
  async function deleteInBatches(
    where: string,
    parameters: (string | number)[],
    maxBatches = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const batch = `SELECT rowid, ts_ms FROM events${where} ORDER BY ts_ms LIMIT ${deleteBatchSize}`;
    const hoursOf = db.prepare(
      `SELECT DISTINCT (ts_ms / ${HOUR_MS}) * ${HOUR_MS} AS hour FROM (${batch})`,
    );
    const sessionsOf = db.prepare(
      `SELECT DISTINCT session_id FROM events WHERE rowid IN (SELECT rowid FROM (${batch})) AND session_id IS NOT NULL`,
    );
    const statement = db.prepare(
      `DELETE FROM events WHERE rowid IN (SELECT rowid FROM (${batch}))`,
    );
    let deleted = 0;
    for (;;) {
      assertOpen();
      const changes = transaction(() => {
        const hours = (hoursOf.all(...parameters) as Array<{ hour: number }>).map(
          (row) => row.hour,
        );
        const sessions = (sessionsOf.all(...parameters) as Array<{ session_id: string }>).map(
          (row) => row.session_id,
        );
        const count = Number(statement.run(...parameters).changes);
        // The rollups of the touched hours and the touched sessions are recomputed in the same
        // transaction: never drift.
        rollups.rebuildHours(hours);
        for (const sessionId of sessions) {
          deleteSession.run(sessionId);
          rebuildSession.run(sessionId);
        }
        return count;
      });
      deleted += changes;
      if (changes < deleteBatchSize || --maxBatches <= 0) break;
      await yieldToEventLoop();
    }
    if (deleted > 0) reclaimSpace();
    return deleted;
  }

  function reclaimSpace(): void {
    try {
      withBusyRetrySync(() => db.exec("PRAGMA incremental_vacuum(2000)"), busyTimeoutMs);
    } catch {
      // Only space is at stake; the next retention pass tries again.
    }
  }

  // One transaction per call: the rows and the rollups of the hours they fall in change together.
  function updateCostsSync(
    events: readonly UsageEvent[],
    previousCosts?: ReadonlyArray<number | undefined>,
  ): number {
    assertOpen();
    if (events.length === 0) return 0;
    const rows = events.map((event) => {
      const extra = extraFields(event);
      return [
        event.costUsd ?? null,
        extra === undefined ? null : JSON.stringify(extra),
        timestampMs(event.timestamp),
        event.id,
      ] as const;
    });
    const found = transaction(() => {
      const changes: CostChange[] = [];
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index]!;
        const event = events[index]!;
        // With the cost the caller read, the row is written blind when it still has that cost:
        // the rollup key columns of a stored row never change, so the event carries them. Reading
        // the row first cost as much as the update itself (bench/reprice.bench.ts).
        if (previousCosts !== undefined) {
          const previous = previousCosts[index] ?? null;
          if (updateCostIfUnchanged.run(...row, previous).changes === 1) {
            changes.push({
              tenant: event.tenantId ?? "",
              timestampMs: row[2],
              provider: event.provider,
              model: event.model,
              kind: event.kind,
              cached: event.cached === true,
              oldCostUsd: previous ?? undefined,
              newCostUsd: row[0] ?? undefined,
            });
            continue;
          }
        }
        // The stored row's rollup key and cost before the update (an event not stored is skipped).
        const stored = selectCost.get(row[2], row[3]) as StoredCost | undefined;
        if (stored === undefined) continue;
        updateCost.run(...row);
        changes.push({
          tenant: stored.tenant_id ?? "",
          timestampMs: row[2],
          provider: stored.provider,
          model: stored.model,
          kind: stored.kind,
          cached: stored.cached === 1,
          oldCostUsd: stored.cost_usd ?? undefined,
          newCostUsd: row[0] ?? undefined,
        });
      }
      const missing = rollups.shiftCosts(changes);
      if (missing.length > 0) rollups.rebuildHours(missing);
      return changes.length;
    });
    // A reprice rewrites every row it changes: its WAL is copied back off this thread too.
    countTowardCheckpointThread(found);
    return found;
  }

  const store: SqliteStore = {
    location: path,
    appendSync,
    sizeBytes,
    async updateCosts(events, previousCosts) {
      return updateCostsSync(events, previousCosts);
    },

    async append(events) {
      return appendSync(events);
    },

    async providerCostSums(filter, providers) {
      assertOpen();
      if (providers.length === 0) return [];
      const { where, parameters } = whereClause(filter, [
        `provider IN (${providers.map(() => "?").join(", ")})`,
        "cost_usd IS NOT NULL",
        "json_extract(extra, '$.priceSource') = 'provider'",
      ]);
      // Rounded per event to nano-dollars before summing, as the scan does: exact totals.
      const rows = db
        .prepare(
          `SELECT provider, model,
             count(estimate) AS requests,
             count(*) - count(estimate) AS withoutEstimate,
             total(CASE WHEN estimate IS NOT NULL THEN round(cost_usd * 1e9) END) AS billedNano,
             total(round(estimate * 1e9)) AS estimateNano
           FROM (SELECT provider, model, cost_usd,
                   json_extract(extra, '$.estimatedCostUsd') AS estimate FROM events${where})
           GROUP BY provider, model`,
        )
        .all(...parameters, ...providers) as unknown as ProviderCostSum[];
      return rows.map((row) => ({ ...row }));
    },

    async aggregate(query: AggregateQuery): Promise<AggregateResult> {
      assertOpen();
      const groupBys = query.groupBy ?? [];
      const scan = (filter: UsageFilter) =>
        select(AGGREGATE_COLUMNS, filter).iterate(
          ...whereClause(filter).parameters,
        ) as Iterable<EventRowArray>;
      if (useRollups) {
        // One read transaction, so rollups and edge events are one consistent snapshot.
        db.exec("BEGIN");
        try {
          const result = aggregateFromRollups(db, query.filter, groupBys, query.timeZone, scan);
          if (result !== undefined) return result;
        } finally {
          db.exec("COMMIT");
        }
      }
      return aggregateRows(scan(query.filter), groupBys, query.timeZone);
    },

    async listSessions(options = {}): Promise<SessionSummary[]> {
      assertOpen();
      const filter = options.filter ?? {};
      const limit =
        options.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
      let sessions: Array<{ session_id: string; started: number; last: number }>;
      const onlySince = Object.entries(filter).every(
        ([key, value]) => key === "sinceMs" || value === undefined,
      );
      if (onlySince) {
        // From the sessions table: with no end to the period a session's latest call is its
        // latest overall; its first call in the period comes from the session index.
        const since = filter.sinceMs ?? Number.MIN_SAFE_INTEGER;
        const firstSince = db.prepare(
          "SELECT MIN(ts_ms) AS started FROM events WHERE session_id = ? AND ts_ms >= ?",
        );
        sessions = (
          db
            .prepare(
              `SELECT session_id, started_ms, last_ms FROM sessions WHERE last_ms >= ? ORDER BY last_ms DESC, session_id${limit}`,
            )
            .all(since) as Array<{ session_id: string; started_ms: number; last_ms: number }>
        ).map((row) => ({
          session_id: row.session_id,
          started:
            row.started_ms >= since
              ? row.started_ms
              : (firstSince.get(row.session_id, since) as { started: number }).started,
          last: row.last_ms,
        }));
      } else {
        const { where, parameters } = whereClause(filter, ["session_id IS NOT NULL"]);
        sessions = db
          .prepare(
            `SELECT session_id, MIN(ts_ms) AS started, MAX(ts_ms) AS last FROM events${where} GROUP BY session_id ORDER BY last DESC, session_id${limit}`,
          )
          .all(...parameters) as Array<{ session_id: string; started: number; last: number }>;
      }
      const summaries: SessionSummary[] = [];
      for (const session of sessions) {
        const sessionFilter = { ...filter, sessionId: session.session_id };
        const { totals } = await store.aggregate({ filter: sessionFilter, timeZone: "UTC" });
        summaries.push({
          sessionId: session.session_id,
          startedAt: new Date(session.started).toISOString(),
          lastActivityAt: new Date(session.last).toISOString(),
          ...totals,
        });
      }
      return summaries;
    },

    async delete(filter) {
      assertOpen();
      const { where, parameters } = whereClause(filter);
      return deleteInBatches(where, parameters);
    },

    async enforceRetention(policy: RetentionPolicy): Promise<RetentionResult> {
      assertOpen();
      let deleted = 0;
      if (policy.maxAgeMs !== undefined) {
        const cutoff = (policy.nowMs ?? Date.now()) - policy.maxAgeMs;
        deleted += await deleteInBatches(" WHERE ts_ms < ?", [cutoff]);
      }
      if (policy.maxBytes !== undefined) {
        while (sizeBytes() > policy.maxBytes) {
          const changes = await deleteInBatches("", [], 1);
          if (changes === 0) break;
          deleted += changes;
        }
      }
      return { deleted, sizeBytes: sizeBytes() };
    },

    async *events(filter = {}) {
      assertOpen();
      const { where, parameters } = whereClause(filter, ["(ts_ms, id) > (?, ?)"]);
      // Keyset pages in the order of the (time, id) index: no read transaction stays open while
      // the consumer is slow.
      const statement = db.prepare(
        `SELECT ${EVENT_COLUMNS.join(", ")} FROM events${where} ORDER BY ts_ms, id LIMIT ${PAGE_SIZE}`,
      );
      statement.setReturnArrays(true);
      let afterTime = Number.MIN_SAFE_INTEGER;
      let afterId = "";
      for (;;) {
        assertOpen();
        const rows = statement.all(...parameters, afterTime, afterId) as unknown as EventRowArray[];
        for (const row of rows) yield rowToEvent(row);
        if (rows.length < PAGE_SIZE) return;
        const last = rows[rows.length - 1]!;
        afterTime = last[1] as number;
        afterId = last[0] as string;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // Before the writer's connection closes: the last connection to close checkpoints what is
      // left and removes the WAL.
      await checkpointer?.stop();
      try {
        db.exec("PRAGMA optimize");
      } catch {
        // Optional housekeeping; never a reason to fail closing.
      }
      db.close();
    },
  };
  return store;
}

/** The WHERE clause and its parameters for a filter, plus extra conditions (whose parameters come last). */
function whereClause(
  filter: UsageFilter,
  extra: readonly string[] = [],
): { where: string; parameters: (string | number)[] } {
  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  const add = (condition: string, value: string | number | undefined) => {
    if (value === undefined) return;
    conditions.push(condition);
    parameters.push(value);
  };
  add("ts_ms >= ?", filter.sinceMs);
  add("ts_ms < ?", filter.untilMs);
  add("tenant_id = ?", filter.tenantId);
  add("user_id = ?", filter.userId);
  add("session_id = ?", filter.sessionId);
  add("provider = ?", filter.provider);
  add("model = ?", filter.model);
  add("kind = ?", filter.kind);
  conditions.push(...extra);
  return { where: conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`, parameters };
}

/** Creates the folder (0700) and the file (0600) when they do not exist yet. */
function createPrivateFile(path: string): void {
  if (existsSync(path)) return;
  const folder = dirname(path);
  if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  } catch (error) {
    throw new Error(
      `Cannot create the ledger ${path}: ${(error as Error).message}. Check that its folder is writable, or set LLMETER_DB to another file.`,
      { cause: error },
    );
  }
}

/** `node:sqlite`, loaded only when a SQLite ledger is opened (importing llmeter never loads it). */
function loadSqlite(): typeof import("node:sqlite") {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as
    | typeof import("node:sqlite")
    | undefined;
  if (sqlite === undefined) {
    throw new Error(
      `The SQLite ledger needs Node.js 22.13 or newer (node:sqlite); this is ${process.version}. Upgrade Node, or pass store: false / a PostgreSQL URL.`,
    );
  }
  return sqlite;
}
