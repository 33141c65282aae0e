import type { UsageEvent } from "../usage/usage-event.ts";

/**
 * The event fields that every store keeps in a column of their own, because queries filter, group
 * or sum on them. Every other field travels in one JSON `extra` value, which keeps rows narrow and
 * the round trip lossless. SQLite and PostgreSQL share this split.
 */
export const COLUMN_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "timestamp",
  "kind",
  "provider",
  "model",
  "tenantId",
  "userId",
  "sessionId",
  "success",
  "errorType",
  "cached",
  "streaming",
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "cacheReadTokens",
  "reasoningTokens",
  "costUsd",
  "latencyMs",
  "timeToFirstTokenMs",
]);

/** The fields of `event` that have no column of their own; undefined when there are none. */
export function extraFields(event: UsageEvent): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in event) {
    if (COLUMN_FIELDS.has(key)) continue;
    const value = (event as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    extra ??= {};
    extra[key] = value;
  }
  return extra;
}
