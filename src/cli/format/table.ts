import Table from "cli-table3";
import type { Environment } from "../../config/environment.ts";
import type { Colors } from "./colors.ts";

/** Below this many columns the wide tables switch to their compact layout (as ccusage does). */
export const COMPACT_WIDTH = 100;

/** A column of a text table. */
export interface TableColumn {
  title: string;
  align?: "left" | "right";
}

/** The terminal width: the TTY's, else `COLUMNS`, else wide enough for the full layout. */
export function terminalWidth(columns: number | undefined, env: Environment): number {
  if (columns !== undefined && columns > 0) return columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 120;
}

/**
 * Renders rows under `columns` with cli-table3. Its default styles colour the head and borders
 * even when piped, so they are turned off; the head is coloured by us only when colour is on.
 */
export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  colors: Colors,
  options: { footer?: readonly string[]; compact?: boolean } = {},
): string {
  const table = new Table({
    head: columns.map((column) => colors.heading(column.title)),
    colAligns: columns.map((column) => column.align ?? "left"),
    // compact: no separator between rows (single-line rows read fine without one).
    style: { head: [], border: [], compact: options.compact === true },
  });
  for (const row of rows) table.push([...row]);
  if (options.footer !== undefined) table.push(options.footer.map((cell) => colors.bold(cell)));
  return table.toString();
}

/** Two-column key/value table (totals). */
export function renderKeyValueTable(rows: readonly [string, string][], colors: Colors): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  for (const [key, value] of rows) table.push([colors.bold(key), value]);
  return table.toString();
}
