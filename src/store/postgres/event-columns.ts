import { eventCacheWriteTokens } from "../../stats/aggregate-events.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { extraFields } from "../extra-fields.ts";

/**
 * How a `UsageEvent` maps onto the `events` table: the fields that queries filter, group or sum
 * on get a column; everything else (operation, request id, units, attributes, cost breakdown,
 * price provenance, ...) goes to the JSONB `extra` column. The round trip is lossless:
 * `eventFromRow(rowFromEvent(e))` deep-equals a normalized `e`.
 */

/** Columns with their SQL types, in insert order. */
export const EVENT_COLUMNS = [
  ["id", "text"],
  ["ts", "timestamptz"],
  ["kind", "text"],
  ["provider", "text"],
  ["model", "text"],
  ["tenant_id", "text"],
  ["user_id", "text"],
  ["session_id", "text"],
  ["success", "boolean"],
  ["error_type", "text"],
  ["cached", "boolean"],
  ["streaming", "boolean"],
  ["input_tokens", "bigint"],
  ["output_tokens", "bigint"],
  ["total_tokens", "bigint"],
  ["cache_read_tokens", "bigint"],
  ["cache_write_tokens", "bigint"],
  ["reasoning_tokens", "bigint"],
  ["cost_usd", "double precision"],
  ["latency_ms", "double precision"],
  ["ttft_ms", "double precision"],
  ["extra", "jsonb"],
] as const;

export type EventColumn = (typeof EVENT_COLUMNS)[number][0];

/** `id, ts, kind, ...`: the column list for SELECT and INSERT. */
export const EVENT_COLUMN_LIST = EVENT_COLUMNS.map(([name]) => name).join(", ");

/** `id text, ts timestamptz, ...`: a record definition (`json_to_recordset(...) AS r(...)`). */
export const EVENT_RECORD_DEFINITION = EVENT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(
  ", ",
);

export type EventRow = Record<EventColumn, unknown>;

/**
 * Checks that `event` (at `index` of its batch) can be stored and returns its time in ms since
 * the epoch. Throws a TypeError naming the event and the field otherwise (no id, a timestamp that
 * is not a date, ...).
 */
export function checkStorableEvent(event: UsageEvent, index: number): number {
  if (typeof event.id !== "string" || event.id === "") {
    throw new TypeError(`events[${index}].id must be a non-empty string (got ${String(event.id)})`);
  }
  const time = Date.parse(event.timestamp);
  if (Number.isNaN(time)) {
    throw new TypeError(
      `events[${index}] (id ${event.id}): timestamp ${JSON.stringify(event.timestamp)} is not an ISO 8601 date`,
    );
  }
  for (const field of ["kind", "provider", "model"] as const) {
    if (typeof event[field] !== "string") {
      throw new TypeError(`events[${index}] (id ${event.id}): ${field} must be a string`);
    }
  }
  return time;
}

/** Whether the event reports any cache write (the `cache_write_tokens` column is their sum). */
export function hasCacheWrite(event: UsageEvent): boolean {
  return (
    event.cacheWriteTokens !== undefined ||
    event.cacheWrite5mTokens !== undefined ||
    event.cacheWrite1hTokens !== undefined
  );
}

/**
 * One event as a row keyed by column. Throws like `checkStorableEvent` when the event cannot be
 * stored.
 */
export function rowFromEvent(event: UsageEvent, index: number): EventRow {
  const time = checkStorableEvent(event, index);
  const extra = extraFields(event) ?? null;
  return {
    id: event.id,
    // Millisecond precision, like every other store: keeps keyset pagination exact.
    ts: new Date(time).toISOString(),
    kind: event.kind,
    provider: event.provider,
    model: event.model,
    tenant_id: event.tenantId ?? null,
    user_id: event.userId ?? null,
    session_id: event.sessionId ?? null,
    success: event.success === true,
    error_type: event.errorType ?? null,
    cached: event.cached ?? null,
    streaming: event.streaming ?? null,
    input_tokens: event.inputTokens ?? null,
    output_tokens: event.outputTokens ?? null,
    total_tokens: event.totalTokens ?? null,
    cache_read_tokens: event.cacheReadTokens ?? null,
    cache_write_tokens: hasCacheWrite(event) ? eventCacheWriteTokens(event) : null,
    reasoning_tokens: event.reasoningTokens ?? null,
    cost_usd: event.costUsd ?? null,
    latency_ms: event.latencyMs ?? null,
    ttft_ms: event.timeToFirstTokenMs ?? null,
    extra,
  };
}

/** Rebuilds the event from a `SELECT <EVENT_COLUMN_LIST>` row (int8 parsed as numbers). */
export function eventFromRow(row: EventRow): UsageEvent {
  const extra = row.extra;
  const event: Record<string, unknown> =
    extra !== null && typeof extra === "object" ? { ...(extra as Record<string, unknown>) } : {};
  event.id = row.id;
  event.timestamp = (row.ts as Date).toISOString();
  event.kind = row.kind;
  event.provider = row.provider;
  event.model = row.model;
  setIfPresent(event, "tenantId", row.tenant_id);
  setIfPresent(event, "userId", row.user_id);
  setIfPresent(event, "sessionId", row.session_id);
  event.success = row.success === true;
  setIfPresent(event, "errorType", row.error_type);
  setIfPresent(event, "cached", row.cached);
  setIfPresent(event, "streaming", row.streaming);
  setIfPresent(event, "inputTokens", row.input_tokens);
  setIfPresent(event, "outputTokens", row.output_tokens);
  setIfPresent(event, "totalTokens", row.total_tokens);
  setIfPresent(event, "cacheReadTokens", row.cache_read_tokens);
  // cache_write_tokens is the derived sum; the original cache-write fields are in `extra`.
  setIfPresent(event, "reasoningTokens", row.reasoning_tokens);
  setIfPresent(event, "costUsd", row.cost_usd);
  setIfPresent(event, "latencyMs", row.latency_ms);
  setIfPresent(event, "timeToFirstTokenMs", row.ttft_ms);
  return event as unknown as UsageEvent;
}

function setIfPresent(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value;
}
