import {
  BOOLEAN_FIELDS,
  CODE_LIST_FIELDS,
  COUNT_FIELDS,
  MEASURE_FIELDS,
  SIGNED_NUMBER_FIELDS,
  STRING_FIELDS,
  type UsageEvent,
} from "../../usage/usage-event.ts";

/** CSV columns: every event field, ids and time first; objects are JSON in one cell. */
export const CSV_COLUMNS: readonly (keyof UsageEvent)[] = [
  "id",
  "timestamp",
  "kind",
  ...STRING_FIELDS.filter((field) => field !== "id" && field !== "timestamp"),
  ...COUNT_FIELDS,
  ...MEASURE_FIELDS,
  ...SIGNED_NUMBER_FIELDS,
  "serverPort",
  "httpStatus",
  ...BOOLEAN_FIELDS,
  "priceSource",
  "costBreakdown",
  "attributes",
  "toolCalls",
  ...CODE_LIST_FIELDS,
];

// A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV Injection").
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell, RFC 4180 quoted, safe against formula injection: text that a spreadsheet would
 * evaluate gets a leading `'` (OWASP's recommendation), so `=HYPERLINK(...)` stays text.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line, with its line break. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

/** One event as a CSV line, with its line break. */
export function csvRow(event: UsageEvent): string {
  return `${CSV_COLUMNS.map((column) => csvCell(event[column])).join(",")}\r\n`;
}
