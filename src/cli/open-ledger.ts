import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { UsageStore } from "../store/usage-store.ts";
import type { CliContext } from "./cli-context.ts";
import { CliError } from "./cli-errors.ts";
import { ledgerLocation } from "./usage-query.ts";

/** Whether a ledger location is a PostgreSQL URL rather than a SQLite file path. */
export function isDatabaseUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

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
  const configured = ledgerLocation(flags, context);
  const location = isDatabaseUrl(configured) ? configured : resolve(context.cwd, configured);
  if (!options.create && !isDatabaseUrl(location) && !existsSync(location)) {
    throw new CliError(
      `No ledger at ${location}. Record usage with llmeter first, or point --db (or LLMETER_DB) at your ledger.`,
    );
  }
  const store = await context.openStore(location);
  try {
    return await work(store, location);
  } finally {
    await store.close();
  }
}
