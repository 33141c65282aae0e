import type { DatabaseSync } from "node:sqlite";

/**
 * Closes `db` and throws when the file at `location` has no `events` table: budget and alert
 * tables go only into a ledger, never into a file that merely has the path.
 */
export function requireEventsTable(db: DatabaseSync, location: string): void {
  const hasEvents = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    .get();
  if (hasEvents !== undefined) return;
  db.close();
  throw new Error(
    `${location} is not an llmeter ledger (no events table). Open it with the meter or \`llmeter usage\` first, or check LLMETER_DB.`,
  );
}
