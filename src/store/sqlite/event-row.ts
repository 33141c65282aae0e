import { eventCacheWriteTokens } from "../../stats/aggregate-events.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { extraFields } from "../extra-fields.ts";

/**
 * How a `UsageEvent` is laid out in the `events` table. The fields that queries filter, group or
 * sum on get their own column; everything else (operation, request id, units, attributes, cost
 * breakdown, ...) lives in one JSON `extra` column. Fewer bound parameters per row is what makes
 * ingest fast, and the round trip is lossless: `rowToEvent(eventToRow(e))` deep-equals `e`.
 */

/** Columns in insert order. `cache_write_tokens` is derived (the three cache-write fields summed). */
export const EVENT_COLUMNS = [
  "id",
  "ts_ms",
  "kind",
  "provider",
  "model",
  "tenant_id",
  "user_id",
  "session_id",
  "success",
  "error_type",
  "cached",
  "streaming",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
  "extra",
] as const;

/** A value bound to or read from an events column. */
export type SqlValue = string | number | null;

function booleanToSql(value: boolean | undefined): SqlValue {
  return value === undefined ? null : value ? 1 : 0;
}

/** The bound values for one event, in `EVENT_COLUMNS` order. */
export function eventToRow(event: UsageEvent): SqlValue[] {
  const row: SqlValue[] = new Array(EVENT_COLUMNS.length);
  writeEventRow(event, row, 0);
  return row;
}

/**
 * Writes the bound values of one event into `target` from `offset` (`EVENT_COLUMNS` order), so a
 * multi-row INSERT's parameters are filled in place without an array per row. Returns `ts_ms`.
 */
export function writeEventRow(event: UsageEvent, target: SqlValue[], offset: number): number {
  const extra = extraFields(event);
  const cacheWrite =
    event.cacheWriteTokens === undefined &&
    event.cacheWrite5mTokens === undefined &&
    event.cacheWrite1hTokens === undefined
      ? null
      : eventCacheWriteTokens(event);
  const timeMs = timestampMs(event.timestamp);
  target[offset] = event.id;
  target[offset + 1] = timeMs;
  target[offset + 2] = event.kind;
  target[offset + 3] = event.provider;
  target[offset + 4] = event.model;
  target[offset + 5] = event.tenantId ?? null;
  target[offset + 6] = event.userId ?? null;
  target[offset + 7] = event.sessionId ?? null;
  target[offset + 8] = event.success ? 1 : 0;
  target[offset + 9] = event.errorType ?? null;
  target[offset + 10] = booleanToSql(event.cached);
  target[offset + 11] = booleanToSql(event.streaming);
  target[offset + 12] = event.inputTokens ?? null;
  target[offset + 13] = event.outputTokens ?? null;
  target[offset + 14] = event.totalTokens ?? null;
  target[offset + 15] = event.cacheReadTokens ?? null;
  target[offset + 16] = cacheWrite;
  target[offset + 17] = event.reasoningTokens ?? null;
  target[offset + 18] = event.costUsd ?? null;
  target[offset + 19] = event.latencyMs ?? null;
  target[offset + 20] = event.timeToFirstTokenMs ?? null;
  target[offset + 21] = extra === undefined ? null : JSON.stringify(extra);
  return timeMs;
}

/**
 * Milliseconds of an event timestamp. The meter writes `toISOString()`'s shape,
 * `YYYY-MM-DDTHH:mm:ss.sssZ`, which is read here from its digits (several times cheaper than
 * `Date.parse`, measurable at 200,000 events/s); any other shape, and days past the 28th (whose
 * validity depends on the month), go to `Date.parse`, so the result is always the same.
 */
export function timestampMs(text: string): number {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 || // -
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 || // :
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  )
    return Date.parse(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millisecond = digits(text, 20, 3);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 28 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    millisecond < 0
  )
    return Date.parse(text);
  // Days since 1970-01-01 from the civil date (H. Hinnant, "chrono-Compatible Low-Level Date
  // Algorithms", days_from_civil): plain integer arithmetic, no Date object.
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond;
}

/** The decimal number in `text[start, start + length)`, or -1 when a character is not a digit. */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let index = start; index < start + length; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** A row of `SELECT <EVENT_COLUMNS>` read as an array. */
export type EventRowArray = readonly SqlValue[];

/** Rebuilds the event from a row read with `setReturnArrays(true)`, columns in `EVENT_COLUMNS` order. */
export function rowToEvent(row: EventRowArray): UsageEvent {
  const extra = row[21];
  const event = (typeof extra === "string" ? JSON.parse(extra) : {}) as Record<string, unknown>;
  event.id = row[0];
  event.timestamp = new Date(row[1] as number).toISOString();
  event.kind = row[2];
  event.provider = row[3];
  event.model = row[4];
  setIfPresent(event, "tenantId", row[5]);
  setIfPresent(event, "userId", row[6]);
  setIfPresent(event, "sessionId", row[7]);
  event.success = row[8] === 1;
  setIfPresent(event, "errorType", row[9]);
  if (row[10] !== null) event.cached = row[10] === 1;
  if (row[11] !== null) event.streaming = row[11] === 1;
  setIfPresent(event, "inputTokens", row[12]);
  setIfPresent(event, "outputTokens", row[13]);
  setIfPresent(event, "totalTokens", row[14]);
  setIfPresent(event, "cacheReadTokens", row[15]);
  // row[16] is the derived cache-write sum; the original fields are in `extra`.
  setIfPresent(event, "reasoningTokens", row[17]);
  setIfPresent(event, "costUsd", row[18]);
  setIfPresent(event, "latencyMs", row[19]);
  setIfPresent(event, "timeToFirstTokenMs", row[20]);
  return event as unknown as UsageEvent;
}

function setIfPresent(target: Record<string, unknown>, key: string, value: SqlValue | undefined) {
  if (value !== null && value !== undefined) target[key] = value;
}
