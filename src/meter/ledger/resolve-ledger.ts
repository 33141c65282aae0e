import type { Environment } from "../../config/environment.ts";
import { isPostgresUrl, ledgerLocationOf } from "../../config/ledger-location.ts";
import type { ConfigSource } from "../../config/resolve-config.ts";
import { ConfigError } from "../../config/resolve-config.ts";
import { openStore } from "../../store/open-store.ts";
import { createSqliteStore } from "../../store/sqlite/sqlite-store.ts";
import type { UsageStore } from "../../store/usage-store.ts";
import type { Diagnostics } from "../diagnostics.ts";

export interface LedgerChoice {
  /** `false` turns the ledger off; a store is used as given. */
  store?: UsageStore | false;
  /** `true` forces the default ledger on, `false` off; a string is its location. */
  ledger?: boolean | string;
}

/** Whether this process runs under a test runner, where the default ledger stays off. */
export function underTestRunner(env: Environment): boolean {
  return env.VITEST !== undefined || env.JEST_WORKER_ID !== undefined || env.NODE_ENV === "test";
}

/**
 * Picks the meter's ledger. An explicit `store` wins; then `ledger`; then the `db` setting. The
 * default ledger (`.llmeter/usage.db`) is on unless the meter runs under a test runner (vitest,
 * jest, NODE_ENV=test) and nobody configured `db`: unit tests that call `createMeter()` must not
 * write files into the project. A configured ledger that cannot be opened throws (the user asked
 * for it); the implicit default only warns, because telemetry must never break the application.
 */
export function resolveLedgerStore(
  choice: LedgerChoice,
  db: { value: string; source: ConfigSource },
  context: { env: Environment; cwd: string; diagnostics: Diagnostics },
): UsageStore | Promise<UsageStore> | undefined {
  if (choice.store === false || choice.ledger === false) return undefined;
  if (choice.store !== undefined) return choice.store;
  const explicit = choice.ledger !== undefined || db.source !== "default";
  // The process's own environment decides: tests often pass an isolated `configContext.env`.
  if (!explicit && (underTestRunner(process.env) || underTestRunner(context.env))) return undefined;
  const path = ledgerLocationOf(db.value, context.cwd);
  if (isPostgresUrl(path)) return openStore(path);
  try {
    return createSqliteStore(path);
  } catch (error) {
    if (explicit) throw new ConfigError((error as Error).message);
    context.diagnostics.report(
      "warn",
      `the default ledger ${path} could not be opened, so usage is kept in memory only; set LLMETER_DB to a writable file or pass store: false`,
      error,
    );
    return undefined;
  }
}
