import { ConfigError } from "../config/resolve-config.ts";
import { forecastBudget } from "../forecast/budget-forecast.ts";
import type { Diagnostics } from "../meter/diagnostics.ts";
import type { EventPricer } from "../meter/types.ts";
import { isPostgresUrl } from "../store/postgres/connection-options.ts";
import type { UsageStore } from "../store/usage-store.ts";
import {
  type BudgetLedger,
  ledgerHasBudgetRules,
  openBudgetLedger,
  resolveBudgetRules,
} from "./budget-ledger.ts";
import { BudgetManager, type BudgetOptions } from "./budget-manager.ts";
import type { BudgetRule, ResolvedBudgetRule } from "./budget-rule.ts";
import { openSyncPostgresBudgetLedger } from "./postgres/sync-postgres-budget-ledger.ts";

/** What `createMeter({ budgets })` accepts: the rules alone, or the rules with alert settings. */
export type MeterBudgets = BudgetRule[] | BudgetOptions;

/**
 * Builds the meter's budgets: rules from options and the `budgets` setting, and the budget ledger
 * in the meter's SQLite file (shared by processes and the CLI) or, without one, in memory. Returns
 * undefined when there is nothing to do (no rules given and no SQLite ledger with saved rules).
 * Throws a BudgetRuleError for a bad rule.
 */
export function createBudgetManager(context: {
  budgets: MeterBudgets | undefined;
  settingRules: unknown[] | undefined;
  store: UsageStore | Promise<UsageStore> | undefined;
  pricer: EventPricer | undefined;
  diagnostics: Diagnostics;
  now: () => number;
  timeZone: string;
  flushLedger: () => Promise<void>;
  /** The `db` setting: a postgres:// URL there names the ledger while its store is still opening. */
  dbLocation?: string;
}): BudgetManager | undefined {
  const options: BudgetOptions = Array.isArray(context.budgets)
    ? { rules: context.budgets }
    : (context.budgets ?? {});
  let rules: ResolvedBudgetRule[];
  try {
    rules = resolveBudgetRules(
      [...(options.rules ?? []), ...(context.settingRules ?? [])],
      { timeZone: context.timeZone },
      "budgets",
    );
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const location = sqliteLocation(context.store);
  const store = context.store;
  const postgres = postgresConnection(context.store, context.dbLocation);
  // Without rules of its own, a meter still applies rules saved in its SQLite ledger by the CLI.
  // A meter given no budgets applies the rules saved by `llmeter budget set`, if there are any
  // (checked once, at start: a ledger without budgets gets no budget tables and no extra work).
  if (
    context.budgets === undefined &&
    rules.length === 0 &&
    (location === undefined || !ledgerHasBudgetRules(location))
  )
    return undefined;
  let ledger: BudgetLedger;
  const ledgerOptions =
    options.reservationTtlMs === undefined ? {} : { reservationTtlMs: options.reservationTtlMs };
  if (location !== undefined) ledger = openBudgetLedger(location, ledgerOptions);
  else if (postgres !== undefined) {
    // A meter given no budgets does not look for rules saved in PostgreSQL (that would block its
    // start on the database): `budgets: []` applies them.
    if (context.budgets === undefined && rules.length === 0) return undefined;
    ledger = openSyncPostgresBudgetLedger({ ...postgres, ...ledgerOptions });
  } else {
    if (context.store !== undefined)
      context.diagnostics.once(
        "budget-memory-ledger",
        "warn",
        "budgets are kept in this process only: shared budgets need a SQLite or PostgreSQL ledger",
      );
    ledger = openBudgetLedger(":memory:", ledgerOptions);
  }
  return new BudgetManager({
    ledger,
    rules,
    budgets: options,
    pricer: context.pricer,
    diagnostics: context.diagnostics,
    now: context.now,
    beforeEvaluate:
      location === undefined && postgres === undefined
        ? () => Promise.resolve()
        : context.flushLedger,
    ...(store === undefined
      ? {}
      : {
          forecaster: async (rule, status, nowMs) =>
            forecastBudget(await store, rule, status, nowMs),
        }),
  });
}

// A PostgreSQL store's connection: from the store itself, or from the `db` URL while it opens.
function postgresConnection(
  store: UsageStore | Promise<UsageStore> | undefined,
  dbLocation: string | undefined,
): { url: string; schema?: string } | undefined {
  if (store === undefined) return undefined;
  if (store instanceof Promise)
    return dbLocation !== undefined && isPostgresUrl(dbLocation) ? { url: dbLocation } : undefined;
  const connection = (store as { budgetConnection?: unknown }).budgetConnection;
  return typeof connection === "function"
    ? (connection.call(store) as { url: string; schema: string })
    : undefined;
}

/** The file of a SQLite store (it has a synchronous append and a location); else undefined. */
export function sqliteLocation(
  store: UsageStore | Promise<UsageStore> | undefined,
): string | undefined {
  if (store === undefined || store instanceof Promise) return undefined;
  const location = (store as { location?: unknown }).location;
  return typeof location === "string" && typeof store.appendSync === "function"
    ? location
    : undefined;
}
