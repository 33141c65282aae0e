import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { withBusyRetrySync } from "../store/sqlite/busy-retry.ts";
import { requireEventsTable } from "../store/sqlite/require-events-table.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { BudgetExceededError } from "./budget-exceeded-error.ts";
import {
  type BudgetRule,
  type BudgetScope,
  describeScope,
  type ResolvedBudgetRule,
  resolveBudgetRule,
  toBudgetRule,
} from "./budget-rule.ts";
import { budgetWindowAt } from "./budget-window.ts";

/** Spend in one window of one rule, as the ledger has it. */
export interface BudgetSpend {
  windowKey: string;
  windowStartMs: number;
  windowEndMs: number;
  /** Recorded events in the window (plus settled calls whose event is not written yet). */
  spentUsd: number;
  spentTokens: number;
  requests: number;
  /** In-flight reservations (calls started, not finished). */
  reservedUsd: number;
  reservedTokens: number;
  reservedRequests: number;
}

/** What one call is expected to cost, for the reservation. */
export interface ReservationRequest {
  rules: readonly ResolvedBudgetRule[];
  /** The id the call's event will carry: a settled reservation counts until that event is stored. */
  eventId: string;
  costUsd: number;
  tokens: number;
  nowMs: number;
}

/**
 * Budget state kept in the ledger, beside the events: rules, reservations and fired alerts. Spend
 * is always summed from the `events` table (never a counter). A file ledger is shared by every
 * process and the CLI; checks and reservations happen in one `BEGIN IMMEDIATE` transaction, so two
 * processes can never both see room for the last call.
 */
export interface BudgetLedger {
  /** Rules saved with `llmeter budget set` (shared by every process using this ledger). */
  listRules(): ResolvedBudgetRule[];
  saveRule(rule: ResolvedBudgetRule, nowMs: number): void;
  removeRule(id: string): boolean;
  spend(rule: ResolvedBudgetRule, nowMs: number): BudgetSpend;
  /**
   * Atomically checks every enforced rule in `request.rules` and reserves the estimate under each
   * applicable rule; throws BudgetExceededError (reserving nothing) when one would be passed.
   * Returns the reservation id.
   */
  reserve(request: ReservationRequest): string;
  /** The call finished: the reservation now stands for its real cost until its event is stored. */
  settle(reservationId: string, costUsd: number, tokens: number, nowMs: number): void;
  /** The call never happened (failed before reaching the provider): drop the reservation. */
  release(reservationId: string): void;
  /** Marks `threshold` of `windowKey` as alerted; true only for the first caller (or after renotify). */
  claimAlert(
    rule: ResolvedBudgetRule,
    windowKey: string,
    threshold: number,
    spentUsd: number,
    nowMs: number,
  ): boolean;
  /** For ledgers without a shared events table: the meter hands finished events here. */
  recordEvent?(event: UsageEvent): void;
  /** Deletes expired reservations and settled ones whose event is stored. */
  cleanup(nowMs: number): number;
  /** Active (unexpired, unsettled) reservations, for health checks and tests. */
  activeReservations(nowMs: number): number;
  close(): void;
}

export interface BudgetLedgerOptions {
  /** A reservation not settled within this is dropped (its process likely crashed). Default 10 min. */
  reservationTtlMs?: number;
  /** How long a settled call counts while its event is on its way to the ledger. Default 10 min. */
  settledGraceMs?: number;
  busyTimeoutMs?: number;
}

const BUDGET_SCHEMA = `
CREATE TABLE IF NOT EXISTS budget_rules (id TEXT PRIMARY KEY, rule TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS budget_reservations (
  id TEXT NOT NULL, rule_id TEXT NOT NULL, window_key TEXT NOT NULL, event_id TEXT NOT NULL,
  state TEXT NOT NULL, amount_usd REAL NOT NULL, tokens INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, PRIMARY KEY (id, rule_id));
CREATE INDEX IF NOT EXISTS budget_reservations_by_rule ON budget_reservations (rule_id, window_key);
CREATE TABLE IF NOT EXISTS budget_alerts (
  rule_id TEXT NOT NULL, window_key TEXT NOT NULL, threshold REAL NOT NULL,
  fired_ms INTEGER NOT NULL, spent_usd REAL NOT NULL, PRIMARY KEY (rule_id, window_key, threshold));`;

// The columns budgets read, for an in-memory ledger that has no events table of its own.
const MEMORY_EVENTS = `
CREATE TABLE events (id TEXT NOT NULL UNIQUE, ts_ms INTEGER NOT NULL, provider TEXT NOT NULL,
  model TEXT NOT NULL, tenant_id TEXT, user_id TEXT, session_id TEXT, input_tokens INTEGER,
  output_tokens INTEGER, total_tokens INTEGER, cost_usd REAL, extra TEXT);
CREATE INDEX events_by_time ON events (ts_ms);`;

const HOUR_MS = 3_600_000;

const SCOPE_COLUMNS: Record<string, string> = {
  tenantId: "tenant_id",
  userId: "user_id",
  sessionId: "session_id",
  provider: "provider",
  model: "model",
};

/**
 * Opens the budget tables in the SQLite ledger at `location` (the file the meter's ledger uses), or,
 * with `":memory:"`, a process-local ledger fed with `recordEvent`.
 */
export function openBudgetLedger(
  location: string,
  options: BudgetLedgerOptions = {},
): BudgetLedger {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as
    | typeof import("node:sqlite")
    | undefined;
  if (sqlite === undefined)
    throw new Error(
      `Budgets need Node.js 22.13 or newer (node:sqlite); this is ${process.version}.`,
    );
  const memory = location === ":memory:";
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const db = new sqlite.DatabaseSync(memory ? ":memory:" : resolve(location), {
    timeout: busyTimeoutMs,
  });
  if (memory) db.exec(MEMORY_EVENTS);
  else {
    db.exec("PRAGMA synchronous = NORMAL");
    requireEventsTable(db, location);
  }
  withBusyRetrySync(() => db.exec(BUDGET_SCHEMA), busyTimeoutMs);
  return new SqliteBudgetLedger(db, memory, {
    reservationTtlMs: options.reservationTtlMs ?? 10 * 60_000,
    settledGraceMs: options.settledGraceMs ?? 10 * 60_000,
    busyTimeoutMs,
  });
}

/** Whether the SQLite ledger at `location` holds rules saved with `llmeter budget set`. */
export function ledgerHasBudgetRules(location: string): boolean {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as
    | typeof import("node:sqlite")
    | undefined;
  if (sqlite === undefined) return false;
  let db: DatabaseSync | undefined;
  try {
    db = new sqlite.DatabaseSync(resolve(location), { readOnly: true, timeout: 5_000 });
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'budget_rules'")
      .get();
    return (
      table !== undefined && db.prepare("SELECT 1 FROM budget_rules LIMIT 1").get() !== undefined
    );
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

class SqliteBudgetLedger implements BudgetLedger {
  private readonly db: DatabaseSync;
  private readonly memory: boolean;
  private readonly settings: Required<BudgetLedgerOptions>;
  private readonly statements = new Map<string, StatementSync>();

  private readonly hasRollups: boolean;

  constructor(db: DatabaseSync, memory: boolean, settings: Required<BudgetLedgerOptions>) {
    this.db = db;
    this.memory = memory;
    this.settings = settings;
    this.hasRollups =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollups'").get() !==
      undefined;
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private transaction<T>(work: () => T): T {
    return withBusyRetrySync(() => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = work();
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    }, this.settings.busyTimeoutMs);
  }

  listRules(): ResolvedBudgetRule[] {
    const rows = this.statement("SELECT id, rule FROM budget_rules ORDER BY id").all() as Array<{
      id: string;
      rule: string;
    }>;
    return rows.map((row) =>
      resolveBudgetRule(JSON.parse(row.rule), {}, `budget "${row.id}" in the ledger`),
    );
  }

  saveRule(rule: ResolvedBudgetRule, nowMs: number): void {
    this.statement(
      "INSERT INTO budget_rules (id, rule, updated_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET rule = excluded.rule, updated_ms = excluded.updated_ms",
    ).run(rule.id, JSON.stringify(toBudgetRule(rule)), nowMs);
  }

  removeRule(id: string): boolean {
    return this.transaction(() => {
      const removed = Number(
        this.statement("DELETE FROM budget_rules WHERE id = ?").run(id).changes,
      );
      this.statement("DELETE FROM budget_alerts WHERE rule_id = ?").run(id);
      this.statement("DELETE FROM budget_reservations WHERE rule_id = ?").run(id);
      return removed > 0;
    });
  }

  spend(rule: ResolvedBudgetRule, nowMs: number): BudgetSpend {
    const window = budgetWindowAt(rule, nowMs);
    const events = this.eventSpend(rule.scope, window.startMs, window.endMs, nowMs);
    // Rolling windows have the constant key "rolling": their reservations are all current.
    const reservations = this.statement(
      `SELECT state, COALESCE(SUM(amount_usd), 0) AS usd, COALESCE(SUM(tokens), 0) AS tokens, COUNT(*) AS requests
         FROM budget_reservations r
        WHERE rule_id = ? AND window_key = ? AND expires_ms > ?
          AND (state = 'active' OR NOT EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id))
        GROUP BY state`,
    ).all(rule.id, window.key, nowMs) as Array<{
      state: string;
      usd: number;
      tokens: number;
      requests: number;
    }>;
    const active = reservations.find((row) => row.state === "active");
    const settled = reservations.find((row) => row.state === "settled");
    return {
      windowKey: window.key,
      windowStartMs: window.startMs,
      windowEndMs: window.endMs,
      spentUsd: events.usd + (settled?.usd ?? 0),
      spentTokens: events.tokens + (settled?.tokens ?? 0),
      requests: events.requests + (settled?.requests ?? 0),
      reservedUsd: active?.usd ?? 0,
      reservedTokens: active?.tokens ?? 0,
      reservedRequests: active?.requests ?? 0,
    };
  }

  /**
   * Spend of the events in `[startMs, endMs)`. Whole hours come from the ledger's hourly rollups
   * (kept in the same transaction as the events) when the scope only uses their keys (tenant,
   * provider, model); the partial hours at the edges, and any other scope, from the events.
   */
  private eventSpend(
    scope: BudgetScope,
    startMs: number,
    endMs: number,
    nowMs: number,
  ): { usd: number; tokens: number; requests: number } {
    const fromStart = Math.ceil(startMs / HOUR_MS) * HOUR_MS;
    // A window that ends after now holds the current hour whole (no event is stamped in the
    // future), so its rollup row counts too; otherwise the last partial hour is read from events.
    const toHour =
      endMs > nowMs && Math.ceil(nowMs / HOUR_MS) * HOUR_MS <= endMs
        ? Math.ceil((nowMs + 1) / HOUR_MS) * HOUR_MS
        : Math.floor(endMs / HOUR_MS) * HOUR_MS;
    const rollupScope =
      this.hasRollups &&
      scope.userId === undefined &&
      scope.sessionId === undefined &&
      scope.attributes === undefined;
    if (!rollupScope || toHour <= fromStart) return this.rawSpend(scope, startMs, endMs);
    const rollupWhere: string[] = [];
    const values: SQLInputValue[] = [fromStart, toHour];
    for (const field of ["tenantId", "provider", "model"] as const) {
      const value = scope[field];
      if (value === undefined) continue;
      rollupWhere.push(` AND ${SCOPE_COLUMNS[field]} = ?`);
      values.push(value);
    }
    const hours = this.statement(
      `SELECT COALESCE(SUM(cost_nano), 0) AS nano, COALESCE(SUM(total_tokens), 0) AS tokens, COALESCE(SUM(requests), 0) AS requests
         FROM rollups WHERE hour_ms >= ? AND hour_ms < ?${rollupWhere.join("")}`,
    ).get(...values) as { nano: number; tokens: number; requests: number };
    const head = this.rawSpend(scope, startMs, fromStart);
    const tail = this.rawSpend(scope, toHour, Math.max(toHour, endMs));
    return {
      usd: hours.nano / 1e9 + head.usd + tail.usd,
      tokens: hours.tokens + head.tokens + tail.tokens,
      requests: hours.requests + head.requests + tail.requests,
    };
  }

  private rawSpend(
    scope: BudgetScope,
    startMs: number,
    endMs: number,
  ): { usd: number; tokens: number; requests: number } {
    if (endMs <= startMs) return { usd: 0, tokens: 0, requests: 0 };
    const { where, values } = scopeSql(scope);
    return this.statement(
      `SELECT COALESCE(SUM(cost_usd), 0) AS usd,
              COALESCE(SUM(COALESCE(total_tokens, COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))), 0) AS tokens,
              COUNT(*) AS requests
         FROM events WHERE ts_ms >= ? AND ts_ms < ?${where}`,
    ).get(startMs, endMs, ...values) as { usd: number; tokens: number; requests: number };
  }

  reserve(request: ReservationRequest): string {
    const id = randomUUID();
    const { nowMs } = request;
    const insert = this.statement(
      "INSERT INTO budget_reservations (id, rule_id, window_key, event_id, state, amount_usd, tokens, created_ms, expires_ms) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
    );
    this.transaction(() => {
      for (const rule of request.rules) {
        const spend = this.spend(rule, nowMs);
        if (rule.enforce) {
          const exceeded = firstExceeded(rule, spend, request);
          if (exceeded !== undefined) throw exceeded;
        }
        insert.run(
          id,
          rule.id,
          spend.windowKey,
          request.eventId,
          request.costUsd,
          request.tokens,
          nowMs,
          nowMs + this.settings.reservationTtlMs,
        );
      }
    });
    return id;
  }

  settle(reservationId: string, costUsd: number, tokens: number, nowMs: number): void {
    this.statement(
      "UPDATE budget_reservations SET state = 'settled', amount_usd = ?, tokens = ?, expires_ms = ? WHERE id = ?",
    ).run(costUsd, tokens, nowMs + this.settings.settledGraceMs, reservationId);
  }

  release(reservationId: string): void {
    this.statement("DELETE FROM budget_reservations WHERE id = ?").run(reservationId);
  }

  claimAlert(
    rule: ResolvedBudgetRule,
    windowKey: string,
    threshold: number,
    spentUsd: number,
    nowMs: number,
  ): boolean {
    return this.transaction(() => {
      const inserted = Number(
        this.statement(
          "INSERT INTO budget_alerts (rule_id, window_key, threshold, fired_ms, spent_usd) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        ).run(rule.id, windowKey, threshold, nowMs, spentUsd).changes,
      );
      if (inserted === 1) return true;
      if (rule.renotifyMs === undefined) return false;
      return (
        Number(
          this.statement(
            "UPDATE budget_alerts SET fired_ms = ?, spent_usd = ? WHERE rule_id = ? AND window_key = ? AND threshold = ? AND fired_ms <= ?",
          ).run(nowMs, spentUsd, rule.id, windowKey, threshold, nowMs - rule.renotifyMs).changes,
        ) === 1
      );
    });
  }

  recordEvent(event: UsageEvent): void {
    if (!this.memory) return;
    this.statement(
      "INSERT INTO events (id, ts_ms, provider, model, tenant_id, user_id, session_id, input_tokens, output_tokens, total_tokens, cost_usd, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
    ).run(
      event.id,
      Date.parse(event.timestamp),
      event.provider,
      event.model,
      event.tenantId ?? null,
      event.userId ?? null,
      event.sessionId ?? null,
      event.inputTokens ?? null,
      event.outputTokens ?? null,
      event.totalTokens ?? null,
      event.costUsd ?? null,
      event.attributes === undefined ? null : JSON.stringify({ attributes: event.attributes }),
    );
  }

  cleanup(nowMs: number): number {
    return this.transaction(() => {
      let deleted = Number(
        this.statement(
          `DELETE FROM budget_reservations WHERE expires_ms <= ?
              OR (state = 'settled' AND EXISTS (SELECT 1 FROM events e WHERE e.id = budget_reservations.event_id))`,
        ).run(nowMs).changes,
      );
      // The in-memory ledger keeps only what a month-long window can still need.
      if (this.memory)
        deleted += Number(
          this.statement("DELETE FROM events WHERE ts_ms < ?").run(nowMs - 32 * 86_400_000).changes,
        );
      return deleted;
    });
  }

  activeReservations(nowMs: number): number {
    const row = this.statement(
      "SELECT COUNT(DISTINCT id) AS count FROM budget_reservations WHERE state = 'active' AND expires_ms > ?",
    ).get(nowMs) as { count: number };
    return row.count;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

/** `AND tenant_id = ? ...` for a scope; custom attributes are read from the JSON `extra` column. */
function scopeSql(scope: BudgetScope): { where: string; values: SQLInputValue[] } {
  let where = "";
  const values: SQLInputValue[] = [];
  for (const [field, column] of Object.entries(SCOPE_COLUMNS)) {
    const value = scope[field as keyof typeof SCOPE_COLUMNS & keyof BudgetScope];
    if (value === undefined) continue;
    where += ` AND ${column} = ?`;
    values.push(value as string);
  }
  for (const [key, value] of Object.entries(scope.attributes ?? {})) {
    where += " AND json_extract(extra, ?) = ?";
    values.push(
      `$.attributes.${JSON.stringify(key)}`,
      typeof value === "boolean" ? Number(value) : value,
    );
  }
  return { where, values };
}

/** The error for the first limit of `rule` this request would pass, else undefined (shared with PostgreSQL). */
export function firstExceeded(
  rule: ResolvedBudgetRule,
  spend: BudgetSpend,
  request: ReservationRequest,
): BudgetExceededError | undefined {
  const checks: Array<["usd" | "tokens" | "requests", number | undefined, number, number, number]> =
    [
      ["usd", rule.limitUsd, spend.spentUsd, spend.reservedUsd, request.costUsd],
      ["tokens", rule.limitTokens, spend.spentTokens, spend.reservedTokens, request.tokens],
      ["requests", rule.limitRequests, spend.requests, spend.reservedRequests, 1],
    ];
  for (const [limitKind, limit, spent, reserved, estimate] of checks) {
    if (limit === undefined || spent + reserved + estimate <= limit) continue;
    const plain = toBudgetRule(rule);
    return new BudgetExceededError({
      budgetId: rule.id,
      scope: describeScope(rule.scope),
      scopeFields: { ...rule.scope },
      window: typeof plain.window === "string" ? plain.window : `rolling ${plain.window.rolling}`,
      windowKey: spend.windowKey,
      windowEndsAt: new Date(spend.windowEndMs).toISOString(),
      limitKind,
      limit,
      spent,
      reserved,
      estimate,
    });
  }
  return undefined;
}

/** Rules as the meter and CLI receive them, validated one by one with their position in messages. */
export function resolveBudgetRules(
  rules: readonly unknown[],
  defaults: { timeZone?: string },
  source: string,
): ResolvedBudgetRule[] {
  const resolved = rules.map((rule, index) =>
    resolveBudgetRule(rule, defaults, `${source}[${index}]`),
  );
  const seen = new Set<string>();
  for (const rule of resolved) {
    if (seen.has(rule.id))
      throw new Error(`${source}: two budgets have the id "${rule.id}"; give each an explicit id.`);
    seen.add(rule.id);
  }
  return resolved;
}

export type { BudgetRule };
