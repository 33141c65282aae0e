import pg from "pg";
import type { UsageEvent } from "../src/usage/usage-event.ts";

/** What the PostgreSQL benchmarks share: their events and a one-off SQL runner. */

const PROVIDER_MODELS = [
  ["openai", "gpt-4o"],
  ["openai", "gpt-4o-mini"],
  ["anthropic", "claude-sonnet-4"],
  ["google", "gemini-2.5-flash"],
] as const;

/**
 * The `index`-th of the PostgreSQL benchmarks' realistic events, at `timestampMs`: attribution
 * over `tenants` tenants, tokens, cost, latency, one error in 20, some attributes and breakdowns.
 */
export function benchEvent(
  index: number,
  timestampMs: number,
  options: { prefix: string; tenants: number; streaming?: boolean },
): UsageEvent {
  const [provider, model] = PROVIDER_MODELS[index % PROVIDER_MODELS.length]!;
  const inputTokens = 200 + ((index * 37) % 4000);
  const outputTokens = 20 + ((index * 13) % 700);
  // Every other call streams (with a time to first token), when asked for.
  const streaming = options.streaming === true && index % 2 === 0;
  return {
    id: `${options.prefix}-${index}`,
    timestamp: new Date(timestampMs).toISOString(),
    kind: "llm",
    operation: "chat",
    provider,
    model,
    success: index % 20 !== 0,
    ...(index % 20 === 0 ? { errorType: "rate_limit" } : {}),
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    cacheReadTokens: index % 3 === 0 ? Math.floor(inputTokens / 2) : undefined,
    latencyMs: 200 + ((index * 101) % 3000),
    ...(options.streaming === true ? { streaming } : {}),
    ...(streaming ? { timeToFirstTokenMs: 50 + (index % 400) } : {}),
    tenantId: `tenant-${(index * 7) % options.tenants}`,
    userId: `user-${index % 400}`,
    sessionId: `session-${index % 5000}`,
    costUsd: (inputTokens * 2.5 + outputTokens * 10) / 1e6,
    costBreakdown: { input: (inputTokens * 2.5) / 1e6, output: (outputTokens * 10) / 1e6 },
    priceSource: "catalog",
    attributes: { feature: index % 2 === 0 ? "chat" : "search" },
  };
}

/** Runs one statement on a connection of its own (schema setup and teardown, sizes). */
export async function runAdminSql(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
