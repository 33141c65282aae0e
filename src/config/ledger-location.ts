import { resolve } from "node:path";
import type { Environment } from "./environment.ts";
import type { ConfigWarning } from "./environment-warnings.ts";
import { type ConfigSource, resolveConfig } from "./resolve-config.ts";

/** Whether `location` names a PostgreSQL database (`postgres://`, `postgresql://`), not a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The ledger a `db` value names: a postgres:// URL as given, else a SQLite path under `cwd`. */
export function ledgerLocationOf(db: string, cwd: string): string {
  return isPostgresUrl(db) ? db.trim() : resolve(cwd, db);
}

/** The ledger an entry point opens, and where that choice came from. */
export interface LedgerLocation {
  /** A postgres:// URL, or the absolute path of a SQLite file. */
  location: string;
  postgres: boolean;
  source: ConfigSource;
  /** For messages: `environment variable LLMETER_DATABASE_URL`, `option "db"`, `the default`. */
  origin: string;
  warnings: ConfigWarning[];
}

/**
 * Names the ledger the same way for `createMeter()`, `createLedger()`, `createPostgresStore()`
 * and the CLI: the caller's own choice (`ledger` option, `location`, `url`, `--db`), else
 * `LLMETER_DB`, else `LLMETER_DATABASE_URL`, else `"db"` in `.llmeter/config.json`, else
 * `.llmeter/usage.db`. Both variables set to different ledgers gives a warning: `LLMETER_DB` wins.
 *
 * @example
 * resolveLedgerLocation(undefined, { env: { LLMETER_DATABASE_URL: "postgres://db/app" } });
 * // { location: "postgres://db/app", postgres: true, source: "env", ... }
 */
export function resolveLedgerLocation(
  explicit: string | undefined,
  context: { env?: Environment; cwd?: string } = {},
): LedgerLocation {
  const config = resolveConfig(explicit === undefined ? {} : { db: explicit }, context);
  const location = ledgerLocationOf(config.values.db, context.cwd ?? process.cwd());
  return {
    location,
    postgres: isPostgresUrl(location),
    source: config.sources.db,
    origin: config.origins.db,
    warnings: config.warnings,
  };
}
