import { existsSync } from "node:fs";
import { isPostgresUrl, ledgerLocationOf } from "../config/ledger-location.ts";
import type { UsageStore } from "../store/usage-store.ts";
import type { CliContext } from "./cli-context.ts";
import { CliError } from "./cli-errors.ts";
import { ledgerLocation } from "./usage-query.ts";

/** Whether a ledger location is a PostgreSQL URL rather than a SQLite file path. */
export const isDatabaseUrl = isPostgresUrl;

/**
 * Opens the ledger named by `--db` or the settings, runs `work`, and always closes it. Reading
 * commands refuse a SQLite file that does not exist rather than silently creating an empty one.
 */
export async function withLedger<T>(
  flags: { db?: string },
  context: CliContext,
  options: { create: boolean },
  work: (store: UsageStore, location: string) => Promise<T>,
): Promise<T> {
  const location = ledgerLocationOf(ledgerLocation(flags, context), context.cwd);
  if (!options.create && !isDatabaseUrl(location) && !existsSync(location)) {
    throw new CliError(
      `No ledger at ${location}. Record usage with llmeter first, or point --db (or LLMETER_DB, or LLMETER_DATABASE_URL) at your ledger.`,
    );
  }
  const store = await context.openStore(location);
  try {
    return await work(store, location);
  } finally {
    await store.close();
  }
}
