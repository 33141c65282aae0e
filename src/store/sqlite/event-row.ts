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

type SqlValue = string | number | null;

function booleanToSql(value: boolean | undefined): SqlValue {
  return value === undefined ? null : value ? 1 : 0;
}

/** The bound values for one event, in `EVENT_COLUMNS` order. */
export function eventToRow(event: UsageEvent): SqlValue[] {
  const extra = extraFields(event);
  const cacheWrite =
    event.cacheWriteTokens === undefined &&
    event.cacheWrite5mTokens === undefined &&
    event.cacheWrite1hTokens === undefined
      ? null
      : eventCacheWriteTokens(event);
  return [
    event.id,
    Date.parse(event.timestamp),
    event.kind,
    event.provider,
    event.model,
    event.tenantId ?? null,
    event.userId ?? null,
    event.sessionId ?? null,
    event.success ? 1 : 0,
    event.errorType ?? null,
    booleanToSql(event.cached),
    booleanToSql(event.streaming),
    event.inputTokens ?? null,
    event.outputTokens ?? null,
    event.totalTokens ?? null,
    event.cacheReadTokens ?? null,
    cacheWrite,
    event.reasoningTokens ?? null,
    event.costUsd ?? null,
    event.latencyMs ?? null,
    event.timeToFirstTokenMs ?? null,
    extra === undefined ? null : JSON.stringify(extra),
  ];
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
