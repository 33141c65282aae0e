import type { UsageStore } from "../store/usage-store.ts";

/**
 * Opens the real ledger (SQLite file or postgres:// URL). Imported lazily so `--help`, `config`
 * and the demo start without loading the database drivers.
 */
export async function openLedgerStore(location: string): Promise<UsageStore> {
  const { openStore } = await import("../store/open-store.ts");
  return openStore(location);
}
