import { eventCacheWriteTokens } from "../../stats/aggregate-events.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { extraFields } from "../extra-fields.ts";
import { EVENT_COLUMNS, type EventRow, hasCacheWrite } from "./event-columns.ts";

/**
 * Events in PostgreSQL's COPY text format (https://www.postgresql.org/docs/current/sql-copy.html,
 * "Text Format"): one line per row, columns separated by a tab, `\N` for NULL, and backslash,
 * newline, carriage return and tab written as `\\`, `\n`, `\r`, `\t`. The server parses this with
 * each column type's own input function, far cheaper than expanding a JSON document.
 */

const NULL = "\\N";
const COLUMN_NAMES = EVENT_COLUMNS.map(([name]) => name);
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * One event as a COPY text line (newline included), columns in `EVENT_COLUMNS` order: the same
 * values as `rowFromEvent`, written directly. `timeMs` is what `checkStorableEvent` returned.
 */
export function copyLineFromEvent(event: UsageEvent, timeMs: number): string {
  return `${copyText(event.id)}\t${timestampText(event.timestamp, timeMs)}\t${copyText(event.kind)}\t${copyText(
    event.provider,
  )}\t${copyText(event.model)}\t${optionalText(event.tenantId)}\t${optionalText(
    event.userId,
  )}\t${optionalText(event.sessionId)}\t${event.success === true ? "t" : "f"}\t${optionalText(
    event.errorType,
  )}\t${optionalBoolean(event.cached)}\t${optionalBoolean(event.streaming)}\t${optionalNumber(
    event.inputTokens,
  )}\t${optionalNumber(event.outputTokens)}\t${optionalNumber(event.totalTokens)}\t${optionalNumber(
    event.cacheReadTokens,
  )}\t${hasCacheWrite(event) ? optionalNumber(eventCacheWriteTokens(event)) : NULL}\t${optionalNumber(
    event.reasoningTokens,
  )}\t${optionalNumber(event.costUsd)}\t${optionalNumber(event.latencyMs)}\t${optionalNumber(
    event.timeToFirstTokenMs,
  )}\t${optionalJson(extraFields(event))}\n`;
}

/** A `rowFromEvent` row as a COPY text line: the reference `copyLineFromEvent` must match. */
export function copyLineFromRow(row: EventRow): string {
  let line = "";
  for (let index = 0; index < COLUMN_NAMES.length; index++) {
    if (index > 0) line += "\t";
    line += copyValue(row[COLUMN_NAMES[index]!]);
  }
  return `${line}\n`;
}

/** A value in COPY text form: strings escaped, objects as JSON, non-finite numbers as NULL. */
export function copyValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return copyText(value);
    case "number":
      return optionalNumber(value);
    case "boolean":
      return value ? "t" : "f";
    case "object":
      return value === null ? NULL : copyJson(value);
    default:
      return NULL;
  }
}

// `2026-11-20T10:00:00.000Z`, with a day and hour that are valid in every month.
const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-(?:[01]\d|2[0-8])T(?:[01]\d|2[0-3]):\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The timestamp at millisecond precision in UTC, as `toISOString()` writes it. A normalized event
 * already has exactly that form, and formatting a Date costs about 1 µs, the largest part of
 * encoding an event, so such a timestamp is sent as it is. Anything else (an offset, no
 * milliseconds, a day that JavaScript rolls over such as February 30) goes through Date, as before.
 */
function timestampText(timestamp: string, timeMs: number): string {
  return CANONICAL_TIMESTAMP.test(timestamp) ? timestamp : new Date(timeMs).toISOString();
}

function optionalText(value: string | undefined): string {
  return value === undefined || value === null ? NULL : copyText(value);
}

function optionalBoolean(value: boolean | undefined): string {
  if (value === undefined || value === null) return NULL;
  return value ? "t" : "f";
}

function optionalNumber(value: number | undefined): string {
  // As JSON.stringify did before: NaN and ±Infinity are not measurements, so they are stored as NULL.
  return typeof value === "number" && Number.isFinite(value) ? String(value) : NULL;
}

function optionalJson(value: object | undefined): string {
  return value === undefined ? NULL : copyJson(value);
}

/**
 * PostgreSQL text cannot hold NUL characters (one makes the whole COPY fail, and a batch that
 * always fails would block the ledger), so they are removed.
 */
function copyText(value: string): string {
  const text = typeof value === "string" ? value : String(value);
  const clean = text.includes("\0") ? text.replaceAll("\0", "") : text;
  return NEEDS_ESCAPE.test(clean) ? clean.replace(/[\\\t\n\r]/g, (char) => ESCAPED[char]!) : clean;
}

/**
 * JSON for a jsonb column. JSON.stringify already escapes control characters inside strings, so
 * only backslashes need doubling. jsonb refuses `\u0000`, so NULs are removed from strings; the
 * check on the output keeps the common path at plain JSON.stringify speed.
 */
function copyJson(value: object): string {
  let json = JSON.stringify(value);
  if (json.includes("\\u0000")) {
    json = JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === "string" && inner.includes("\0") ? inner.replaceAll("\0", "") : inner,
    );
  }
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}
