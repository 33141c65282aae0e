import { resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { withBusyRetrySync } from "../store/sqlite/busy-retry.ts";
import { requireEventsTable } from "../store/sqlite/require-events-table.ts";
import { type HealthAlertRule, resolveHealthAlertRule } from "./health-alert-rule.ts";

/** Health alert rules saved with `llmeter alert set`, beside the budget rules in the ledger. */
export interface LedgerAlertRules {
  list(): HealthAlertRule[];
  save(rule: HealthAlertRule, nowMs: number): void;
  remove(id: string): boolean;
  close(): void;
}

const ALERT_SCHEMA =
  "CREATE TABLE IF NOT EXISTS alert_rules (id TEXT PRIMARY KEY, rule TEXT NOT NULL, updated_ms INTEGER NOT NULL)";
const BUSY_TIMEOUT_MS = 10_000;

/** Opens (creating its table) the health rules of the SQLite ledger at `location`. */
export function openLedgerAlertRules(location: string): LedgerAlertRules {
  const db = openDatabase(location, false);
  requireEventsTable(db, location);
  withBusyRetrySync(() => db.exec(ALERT_SCHEMA), BUSY_TIMEOUT_MS);
  return {
    list: () => listRules(db),
    save(rule, nowMs) {
      db.prepare(
        "INSERT INTO alert_rules (id, rule, updated_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET rule = excluded.rule, updated_ms = excluded.updated_ms",
      ).run(rule.id, JSON.stringify(rule), nowMs);
    },
    remove: (id) => Number(db.prepare("DELETE FROM alert_rules WHERE id = ?").run(id).changes) > 0,
    close: () => db.close(),
  };
}

/**
 * The rules saved in the SQLite ledger at `location`, as saved (unchecked: the meter checks them
 * and skips a bad one with a warning), read once when a meter starts, as budget rules are; empty
 * when the file or its table does not exist.
 */
export function readLedgerAlertRules(location: string): HealthAlertRule[] {
  let db: DatabaseSync | undefined;
  try {
    db = openDatabase(location, true);
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_rules'")
      .get();
    if (table === undefined) return [];
    const rows = db.prepare("SELECT rule FROM alert_rules ORDER BY id").all() as Array<{
      rule: string;
    }>;
    return rows.map((row) => JSON.parse(row.rule) as HealthAlertRule);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}

function listRules(db: DatabaseSync): HealthAlertRule[] {
  const rows = db.prepare("SELECT id, rule FROM alert_rules ORDER BY id").all() as Array<{
    id: string;
    rule: string;
  }>;
  return rows.map((row) => {
    const rule = JSON.parse(row.rule) as HealthAlertRule;
    // Checked here so a hand-edited row is refused with its origin, not deep in the meter.
    resolveHealthAlertRule(rule, `health alert "${row.id}" in the ledger`);
    return rule;
  });
}

function openDatabase(location: string, readOnly: boolean): DatabaseSync {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as
    | typeof import("node:sqlite")
    | undefined;
  if (sqlite === undefined)
    throw new Error(
      `Health alert rules in the ledger need Node.js 22.13 or newer (node:sqlite); this is ${process.version}.`,
    );
  return new sqlite.DatabaseSync(resolve(location), { readOnly, timeout: BUSY_TIMEOUT_MS });
}
