import { randomUUID } from "node:crypto";
import pg from "pg";
import { resolveConnectionTarget } from "../../store/postgres/connection-options.ts";
import { planRollupReads, planSourceSql } from "../../store/postgres/rollup-query.ts";
import { EVENT_COST_NANO, EVENT_TOTAL_TOKENS } from "../../store/postgres/rollup-sql.ts";
import { migrate } from "../../store/postgres/schema.ts";
import type { BudgetSpend, ReservationRequest } from "../budget-ledger.ts";
import { firstExceeded } from "../budget-ledger.ts";
import {
  type BudgetScope,
  type ResolvedBudgetRule,
  resolveBudgetRule,
  toBudgetRule,
} from "../budget-rule.ts";
import { budgetWindowAt } from "../budget-window.ts";

/**
 * The budget ledger on PostgreSQL, asynchronous: the same operations as the SQLite `BudgetLedger`,
 * on tables created by the store's migration 2 in the ledger's schema. Spend is read from the
 * store's rollups (whole days and hours, plus the events of partial edge hours) when the budget's
 * scope is one a rollup keeps (tenant, provider, model), else summed from the `events` table. A reservation takes `pg_advisory_xact_lock` for each enforced budget (in id
 * order, so two calls under the same budgets never deadlock) and checks and inserts under it, in
 * one transaction: processes reserving under the same budget queue on the lock instead of failing
 * and retrying as they would under SERIALIZABLE, and the lock is released by COMMIT, so it also
 * works through PgBouncer in transaction mode.
 */
export interface PostgresBudgetLedger {
  listRules(): Promise<ResolvedBudgetRule[]>;
  saveRule(rule: ResolvedBudgetRule, nowMs: number): Promise<void>;
  removeRule(id: string): Promise<boolean>;
  spend(rule: ResolvedBudgetRule, nowMs: number): Promise<BudgetSpend>;
  /** Checks every enforced rule and reserves under each atomically; throws BudgetExceededError. */
  reserve(request: ReservationRequest): Promise<string>;
  settle(reservationId: string, costUsd: number, tokens: number, nowMs: number): Promise<void>;
  release(reservationId: string): Promise<void>;
  claimAlert(
    rule: ResolvedBudgetRule,
    windowKey: string,
    threshold: number,
    spentUsd: number,
    nowMs: number,
  ): Promise<boolean>;
  cleanup(nowMs: number): Promise<number>;
  activeReservations(nowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Where the budget ledger lives and how long reservations last. */
export interface PostgresBudgetLedgerOptions {
  /** `postgres://...`; its `?schema=` (else `llmeter`) is the ledger's schema. */
  url: string;
  /** Overrides the URL's schema. */
  schema?: string;
  /**
   * Whether spend is read from the rollups where the scope allows. Default true; false always
   * sums the events (the reference, and the benchmark's baseline).
   */
  useRollups?: boolean;
  /** A reservation not settled within this is dropped (its process likely crashed). Default 10 min. */
  reservationTtlMs?: number;
  /** How long a settled call counts while its event is on its way to the ledger. Default 10 min. */
  settledGraceMs?: number;
  connectionTimeoutMs?: number;
}

// Second namespace beside the migrations' ("llme"): "llmb", budget locks.
const BUDGET_LOCK_NAMESPACE = 0x6c6c6d62;

const SCOPE_COLUMNS: Record<string, string> = {
  tenantId: "tenant_id",
  userId: "user_id",
  sessionId: "session_id",
  provider: "provider",
  model: "model",
};

/**
 * Connects to the PostgreSQL ledger at `options.url`, brings its schema up to date (the budget
 * tables are migration 2, run under the store's advisory lock) and returns the budget ledger.
 * Throws when the database cannot be reached or migrated.
 */
export async function openPostgresBudgetLedger(
  options: PostgresBudgetLedgerOptions,
): Promise<PostgresBudgetLedger> {
  const target = resolveConnectionTarget({
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  });
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: "llmeter-budgets",
  });
  pool.on("error", () => {});
  let rollups: boolean;
  try {
    const client = await pool.connect();
    try {
      const migrated = await migrate(
        client,
        target.schema,
        pg.escapeIdentifier(target.schema),
        target.displayUrl,
      );
      rollups = migrated.rollups;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return new PgBudgetLedger(pool, target.schema, {
    reservationTtlMs: options.reservationTtlMs ?? 10 * 60_000,
    settledGraceMs: options.settledGraceMs ?? 10 * 60_000,
    // No rollups where TimescaleDB is installed (hypertables refuse their triggers).
    useRollups: options.useRollups !== false && rollups,
  });
}

type Queryable = Pick<pg.PoolClient, "query">;

class PgBudgetLedger implements PostgresBudgetLedger {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly q: string;
  private readonly settings: {
    reservationTtlMs: number;
    settledGraceMs: number;
    useRollups: boolean;
  };

  constructor(
    pool: pg.Pool,
    schema: string,
    settings: { reservationTtlMs: number; settledGraceMs: number; useRollups: boolean },
  ) {
    this.pool = pool;
    this.schema = schema;
    this.q = pg.escapeIdentifier(schema);
    this.settings = settings;
  }

  // Rules arrive as copies (from the worker's messages); budgetWindowAt caches a rule's current
  // window by object, and recomputing it (Intl time-zone arithmetic) would be most of a reservation.
  private readonly rulesByText = new Map<string, ResolvedBudgetRule>();

  private canonical(rule: ResolvedBudgetRule): ResolvedBudgetRule {
    const text = JSON.stringify(rule);
    const known = this.rulesByText.get(text);
    if (known !== undefined) return known;
    if (this.rulesByText.size >= 1_000) this.rulesByText.clear();
    this.rulesByText.set(text, rule);
    return rule;
  }

  async listRules(): Promise<ResolvedBudgetRule[]> {
    const result = await this.pool.query<{ id: string; rule: unknown }>(
      `SELECT id, rule FROM ${this.q}.budget_rules ORDER BY id`,
    );
    return result.rows.map((row) =>
      resolveBudgetRule(row.rule, {}, `budget "${row.id}" in the ledger`),
    );
  }

  async saveRule(rule: ResolvedBudgetRule, nowMs: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.q}.budget_rules (id, rule, updated_ms) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, updated_ms = excluded.updated_ms`,
      [rule.id, JSON.stringify(toBudgetRule(rule)), nowMs],
    );
  }

  async removeRule(id: string): Promise<boolean> {
    return this.transaction(async (client) => {
      const removed = await client.query(`DELETE FROM ${this.q}.budget_rules WHERE id = $1`, [id]);
      await client.query(`DELETE FROM ${this.q}.budget_alerts WHERE rule_id = $1`, [id]);
      await client.query(`DELETE FROM ${this.q}.budget_reservations WHERE rule_id = $1`, [id]);
      return (removed.rowCount ?? 0) > 0;
    });
  }

  spend(rule: ResolvedBudgetRule, nowMs: number): Promise<BudgetSpend> {
    return this.spendWith(this.pool, rule, nowMs);
  }

  private async spendWith(
    client: Queryable,
    rule: ResolvedBudgetRule,
    nowMs: number,
  ): Promise<BudgetSpend> {
    const window = budgetWindowAt(this.canonical(rule), nowMs);
    const params: unknown[] = [rule.id, window.key, nowMs];
    // One round trip: the spend of the window, and the reservations (a settled one stands for its
    // call until the call's event is in the ledger). Costs in integer nano-dollars per event, as
    // the stats and the rollups add them, so both ways give the same sum.
    const spent =
      this.rollupSpendSql(rule, window.startMs, window.endMs, params) ??
      this.eventSpendSql(rule.scope, window.startMs, window.endMs, params);
    const result = await client.query<{
      usd: number;
      tokens: number;
      requests: number;
      active_usd: number;
      active_tokens: number;
      active_requests: number;
      settled_usd: number;
      settled_tokens: number;
      settled_requests: number;
    }>(
      `WITH spent AS (${spent}),
       held AS (
         SELECT COALESCE(SUM(amount_usd) FILTER (WHERE state = 'active'), 0)::float8 AS active_usd,
                COALESCE(SUM(tokens) FILTER (WHERE state = 'active'), 0)::float8 AS active_tokens,
                (COUNT(*) FILTER (WHERE state = 'active'))::int AS active_requests,
                COALESCE(SUM(amount_usd) FILTER (WHERE state = 'settled'), 0)::float8 AS settled_usd,
                COALESCE(SUM(tokens) FILTER (WHERE state = 'settled'), 0)::float8 AS settled_tokens,
                (COUNT(*) FILTER (WHERE state = 'settled'))::int AS settled_requests
           FROM ${this.q}.budget_reservations r
          WHERE rule_id = $1 AND window_key = $2 AND expires_ms > $3
            AND (state = 'active' OR NOT EXISTS (SELECT 1 FROM ${this.q}.events e WHERE e.id = r.event_id)))
       SELECT * FROM spent, held`,
      params,
    );
    const row = result.rows[0]!;
    return {
      windowKey: window.key,
      windowStartMs: window.startMs,
      windowEndMs: window.endMs,
      spentUsd: row.usd + row.settled_usd,
      spentTokens: row.tokens + row.settled_tokens,
      requests: row.requests + row.settled_requests,
      reservedUsd: row.active_usd,
      reservedTokens: row.active_tokens,
      reservedRequests: row.active_requests,
    };
  }

  /** The spend of [startMs, endMs) from the rollups, or undefined when the scope is finer. */
  private rollupSpendSql(
    rule: ResolvedBudgetRule,
    startMs: number,
    endMs: number,
    params: unknown[],
  ): string | undefined {
    const { scope } = rule;
    if (!this.settings.useRollups) return undefined;
    if (scope.userId !== undefined || scope.sessionId !== undefined) return undefined;
    if (scope.attributes !== undefined && Object.keys(scope.attributes).length > 0)
      return undefined;
    const plan = planRollupReads(startMs, endMs, [], "UTC");
    if (plan === undefined) return undefined;
    const filter = {
      ...(scope.tenantId === undefined ? {} : { tenantId: scope.tenantId }),
      ...(scope.provider === undefined ? {} : { provider: scope.provider }),
      ...(scope.model === undefined ? {} : { model: scope.model }),
    };
    const source = planSourceSql(this.q, plan, filter, params, { spendOnly: true });
    return `SELECT COALESCE(SUM(cost_nano), 0)::float8 / 1e9 AS usd,
                   COALESCE(SUM(total_tokens), 0)::float8 AS tokens,
                   COALESCE(SUM(requests), 0)::int AS requests
              FROM (${source}) AS rollup_rows`;
  }

  /** The spend of [startMs, endMs) summed from the events. */
  private eventSpendSql(
    scope: BudgetScope,
    startMs: number,
    endMs: number,
    params: unknown[],
  ): string {
    params.push(startMs, endMs);
    const start = `$${params.length - 1}`;
    const end = `$${params.length}`;
    const { where, values } = scopeSql(scope, params.length + 1);
    params.push(...values);
    return `SELECT COALESCE(SUM(${EVENT_COST_NANO}), 0)::float8 / 1e9 AS usd,
                   COALESCE(SUM(${EVENT_TOTAL_TOKENS}), 0)::float8 AS tokens,
                   COUNT(*)::int AS requests
              FROM ${this.q}.events WHERE ts >= to_timestamp(${start} / 1000.0) AND ts < to_timestamp(${end} / 1000.0)${where}`;
  }

  async reserve(request: ReservationRequest): Promise<string> {
    const id = randomUUID();
    const { nowMs } = request;
    const rules = [...request.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const client = await this.pool.connect();
    let broken = false;
    try {
      // Round trips are the cost of a reservation: BEGIN and the locks go in one simple query
      // (literals escaped by pg), the inserts and COMMIT in another. Locks in id order, so two
      // calls under the same budgets never deadlock; a statement after them sees every
      // reservation committed before.
      const locks = rules
        .map(
          (rule) =>
            `SELECT pg_advisory_xact_lock(${BUDGET_LOCK_NAMESPACE}, hashtext(${client.escapeLiteral(`${this.schema}/${rule.id}`)}));`,
        )
        .join(" ");
      await client.query(`BEGIN; ${locks}`);
      try {
        const inserts: string[] = [];
        for (const rule of rules) {
          const spend = await this.spendWith(client, rule, nowMs);
          if (rule.enforce) {
            const exceeded = firstExceeded(rule, spend, request);
            if (exceeded !== undefined) throw exceeded;
          }
          const row = [
            client.escapeLiteral(id),
            client.escapeLiteral(rule.id),
            client.escapeLiteral(spend.windowKey),
            client.escapeLiteral(request.eventId),
            "'active'",
            sqlNumber(request.costUsd),
            sqlNumber(Math.round(request.tokens)),
            sqlNumber(nowMs),
            sqlNumber(nowMs + this.settings.reservationTtlMs),
          ];
          inserts.push(`(${row.join(", ")})`);
        }
        await client.query(
          `INSERT INTO ${this.q}.budget_reservations (id, rule_id, window_key, event_id, state, amount_usd, tokens, created_ms, expires_ms) VALUES ${inserts.join(", ")}; COMMIT`,
        );
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
    return id;
  }

  async settle(
    reservationId: string,
    costUsd: number,
    tokens: number,
    nowMs: number,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.q}.budget_reservations SET state = 'settled', amount_usd = $1, tokens = $2, expires_ms = $3 WHERE id = $4`,
      [costUsd, Math.round(tokens), nowMs + this.settings.settledGraceMs, reservationId],
    );
  }

  async release(reservationId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.q}.budget_reservations WHERE id = $1`, [
      reservationId,
    ]);
  }

  async claimAlert(
    rule: ResolvedBudgetRule,
    windowKey: string,
    threshold: number,
    spentUsd: number,
    nowMs: number,
  ): Promise<boolean> {
    // One statement: the primary key (rule, window, threshold) lets exactly one process insert.
    const inserted = await this.pool.query(
      `INSERT INTO ${this.q}.budget_alerts (rule_id, window_key, threshold, fired_ms, spent_usd)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [rule.id, windowKey, threshold, nowMs, spentUsd],
    );
    if (inserted.rowCount === 1) return true;
    if (rule.renotifyMs === undefined) return false;
    const renotified = await this.pool.query(
      `UPDATE ${this.q}.budget_alerts SET fired_ms = $1, spent_usd = $2
        WHERE rule_id = $3 AND window_key = $4 AND threshold = $5 AND fired_ms <= $6`,
      [nowMs, spentUsd, rule.id, windowKey, threshold, nowMs - rule.renotifyMs],
    );
    return renotified.rowCount === 1;
  }

  async cleanup(nowMs: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM ${this.q}.budget_reservations r WHERE expires_ms <= $1
          OR (state = 'settled' AND EXISTS (SELECT 1 FROM ${this.q}.events e WHERE e.id = r.event_id))`,
      [nowMs],
    );
    return result.rowCount ?? 0;
  }

  async activeReservations(nowMs: number): Promise<number> {
    const result = await this.pool.query<{ count: number }>(
      `SELECT COUNT(DISTINCT id)::int AS count FROM ${this.q}.budget_reservations WHERE state = 'active' AND expires_ms > $1`,
      [nowMs],
    );
    return result.rows[0]?.count ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

// A number written into SQL: only finite numbers (NaN or Infinity would be a syntax error or worse).
function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** `AND tenant_id = $3 ...` for a scope; custom attributes are read from the JSONB `extra` column. */
function scopeSql(
  scope: BudgetScope,
  firstParameter: number,
): { where: string; values: unknown[] } {
  let where = "";
  const values: unknown[] = [];
  for (const [field, column] of Object.entries(SCOPE_COLUMNS)) {
    const value = scope[field as keyof typeof SCOPE_COLUMNS & keyof BudgetScope];
    if (value === undefined) continue;
    values.push(value);
    where += ` AND ${column} = $${firstParameter + values.length - 1}`;
  }
  for (const [key, value] of Object.entries(scope.attributes ?? {})) {
    values.push(key, JSON.stringify(value));
    const at = firstParameter + values.length - 2;
    where += ` AND extra -> 'attributes' -> $${at}::text = $${at + 1}::jsonb`;
  }
  return { where, values };
}
