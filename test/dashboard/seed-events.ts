import type { UsageEvent } from "../../src/usage/usage-event.ts";

/** Providers, models and their per-token prices (USD per token) used by the seeded ledgers. */
const MODELS = [
  { provider: "openai", model: "gpt-4o", input: 2.5e-6, output: 10e-6 },
  {
    provider: "openai",
    model: "text-embedding-3-small",
    input: 0.02e-6,
    output: 0,
    kind: "embedding" as const,
  },
  { provider: "anthropic", model: "claude-sonnet-4", input: 3e-6, output: 15e-6 },
  { provider: "google", model: "gemini-2.5-flash", input: 0.3e-6, output: 2.5e-6 },
  // No price: the dashboard must call it out.
  { provider: "mistral", model: "mistral-homegrown", input: undefined, output: undefined },
];
const TENANTS = ["acme", "globex", "initech", undefined];
const USERS = ["alice", "bob", "carol", "dave", "erin"];

/**
 * Deterministic usage events spread over `spanMs` before `endMs`: several providers, models,
 * tenants, users and sessions, some failures, streaming calls with time to first token, one
 * unpriced model. The same arguments always give the same events.
 */
export function seedEvents(
  count: number,
  options: { endMs: number; spanMs: number; idPrefix?: string },
): UsageEvent[] {
  let random = 42;
  // A small LCG: reproducible without a dependency.
  const next = () => {
    random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
    return random / 2_147_483_648;
  };
  const events: UsageEvent[] = [];
  for (let index = 0; index < count; index++) {
    const spec = MODELS[Math.floor(next() * MODELS.length)]!;
    const kind = spec.kind ?? "llm";
    const inputTokens = 50 + Math.floor(next() * 4000);
    const outputTokens = kind === "embedding" ? 0 : 20 + Math.floor(next() * 800);
    const cacheReadTokens =
      kind === "llm" && next() < 0.3 ? Math.floor(inputTokens / 2) : undefined;
    const reasoningTokens =
      kind === "llm" && next() < 0.2 ? Math.floor(outputTokens / 3) : undefined;
    const success = next() > 0.06;
    const streaming = kind === "llm" && next() < 0.5;
    const latencyMs = 80 + Math.floor(next() * 3000);
    const tenantId = TENANTS[Math.floor(next() * TENANTS.length)];
    const userId = USERS[Math.floor(next() * USERS.length)]!;
    const timestampMs =
      options.endMs - options.spanMs + Math.floor((index + next()) * (options.spanMs / count));
    const event: UsageEvent = {
      id: `${options.idPrefix ?? "seed"}-${index}`,
      timestamp: new Date(Math.min(timestampMs, options.endMs - 1)).toISOString(),
      kind,
      operation: kind === "embedding" ? "embeddings" : "chat",
      provider: spec.provider,
      model: spec.model,
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      latencyMs,
      streaming,
      success,
      userId,
      sessionId: `session-${userId}-${Math.floor(index / 40)}`,
    };
    if (cacheReadTokens !== undefined) event.cacheReadTokens = cacheReadTokens;
    if (reasoningTokens !== undefined) event.reasoningTokens = reasoningTokens;
    if (streaming) event.timeToFirstTokenMs = Math.floor(latencyMs * 0.3);
    if (!success) event.errorType = next() < 0.5 ? "rate_limit" : "timeout";
    if (tenantId !== undefined) event.tenantId = tenantId;
    if (spec.input !== undefined && success)
      event.costUsd =
        Math.round((inputTokens * spec.input + outputTokens * (spec.output ?? 0)) * 1e9) / 1e9;
    else if (!success) event.costUsd = 0;
    events.push(event);
  }
  return events;
}
