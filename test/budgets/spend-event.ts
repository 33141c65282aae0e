import type { UsageEvent } from "../../src/usage/usage-event.ts";

/** A priced openai/gpt-4o call of `tenantId` costing `costUsd`, for budget and forecast tests. */
export function spendEvent(
  id: string,
  timestamp: string,
  tenantId: string,
  costUsd: number,
): UsageEvent {
  return {
    id,
    timestamp,
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    tenantId,
    success: true,
    inputTokens: 100,
    outputTokens: 50,
    totalTokens: 150,
    costUsd,
  };
}
