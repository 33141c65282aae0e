import { isPostgresUrl } from "../../config/ledger-location.ts";
import type { VirtualKeyStore } from "./virtual-key-store.ts";

/**
 * The virtual keys of the ledger at `location` (a SQLite path or a postgres:// URL). `pg` is only
 * loaded for a PostgreSQL ledger. `create` makes the SQLite table when missing (PostgreSQL's is a
 * migration, run on first use). Nothing is read until the first call.
 */
export async function openVirtualKeyStore(
  location: string,
  options: { create: boolean; schema?: string },
): Promise<VirtualKeyStore> {
  if (isPostgresUrl(location)) {
    const { openPostgresVirtualKeyStore } = await import("./postgres-virtual-key-store.ts");
    return openPostgresVirtualKeyStore({
      url: location,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    });
  }
  const { openSqliteVirtualKeyStore } = await import("./sqlite-virtual-key-store.ts");
  return openSqliteVirtualKeyStore(location, { create: options.create });
}
