import { isPostgresUrl } from "../config/ledger-location.ts";
import { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.ts";
import type { UsageStore } from "./usage-store.ts";

/** Options for `openStore`: SQLite's, plus whatever the PostgreSQL store accepts. */
export interface OpenStoreOptions extends SqliteStoreOptions {
  /** Passed through to the PostgreSQL store (pool size, ...). */
  postgres?: Record<string, unknown>;
}

export { isPostgresUrl };

/**
 * Opens the ledger at `location`: a `postgres://` URL opens the PostgreSQL store (`llmeter/postgres`,
 * loaded only then, so `pg` stays optional); anything else is a SQLite file path, created if needed.
 *
 * @example
 * const store = await openStore(process.env.LLMETER_DB ?? ".llmeter/usage.db");
 */
export async function openStore(
  location: string,
  options: OpenStoreOptions = {},
): Promise<UsageStore> {
  if (typeof location !== "string" || location.trim() === "") {
    throw new Error(
      'openStore needs a ledger location: a SQLite file path such as ".llmeter/usage.db" or a postgres:// URL.',
    );
  }
  if (!isPostgresUrl(location)) return createSqliteStore(location, options);
  // A computed specifier: the PostgreSQL module is optional and must not be resolved at build time.
  const specifier = import.meta.url.endsWith(".ts") ? "./postgres/index.ts" : "./postgres/index.js";
  let module: Record<string, unknown>;
  try {
    module = (await import(new URL(specifier, import.meta.url).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `Cannot load the PostgreSQL ledger for ${redactUrl(location)}: ${(error as Error).message}. Install the "pg" package (npm install pg).`,
      { cause: error },
    );
  }
  const open = module.openPostgresStore ?? module.createPostgresStore;
  if (typeof open !== "function") {
    throw new Error("llmeter/postgres does not export openPostgresStore(url, options).");
  }
  return (await open(location, options.postgres ?? {})) as UsageStore;
}

/** The URL without its password, for error messages. */
function redactUrl(location: string): string {
  try {
    const url = new URL(location);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return "the PostgreSQL URL";
  }
}
