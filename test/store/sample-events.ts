import { seededRandom } from "../../src/forecast/synthetic-daily-spend.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

/** A small deterministic PRNG (mulberry32), so every store sees exactly the same data. */
export const createRandom = seededRandom;

const PROVIDERS = ["openai", "anthropic", "google"] as const;
const MODELS: Record<string, string[]> = {
  openai: ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"],
  anthropic: ["claude-sonnet-4", "claude-haiku-4"],
  google: ["gemini-2.5-pro", "gemini-2.5-flash"],
};

/**
 * `count` varied, valid, normalized events spread over `spanMs` before `endMs`: every optional
 * field sometimes missing, errors, cache hits, streaming, attributes and cost breakdowns.
 */
export function sampleEvents(
  count: number,
  options: { seed?: number; endMs?: number; spanMs?: number; idPrefix?: string } = {},
): UsageEvent[] {
  const random = createRandom(options.seed ?? 1);
  const endMs = options.endMs ?? Date.UTC(2026, 10, 20, 12);
  const spanMs = options.spanMs ?? 10 * 86_400_000;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const events: UsageEvent[] = [];
  for (let index = 0; index < count; index++) {
    const provider = pick(PROVIDERS);
    const model = pick(MODELS[provider]!);
    const kind = model.startsWith("text-embedding") ? "embedding" : "llm";
    const success = random() > 0.1;
    const inputTokens = Math.floor(random() * 5000);
    const outputTokens = kind === "embedding" ? 0 : Math.floor(random() * 800);
    const event: UsageEvent = {
      id: `${options.idPrefix ?? "evt"}-${index}`,
      timestamp: new Date(endMs - Math.floor(random() * spanMs)).toISOString(),
      kind,
      operation: kind === "embedding" ? "embeddings" : "chat",
      provider,
      model,
      success,
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
    };
    if (random() < 0.8) event.tenantId = pick(["acme", "globex", "initech"]);
    if (random() < 0.7) event.userId = `user-${Math.floor(random() * 8)}`;
    if (random() < 0.5) event.sessionId = `session-${Math.floor(random() * 6)}`;
    // Cache parts stay inside inputTokens (reads up to half, each write kind up to a tenth).
    if (random() < 0.3) event.cacheReadTokens = Math.floor(inputTokens * random() * 0.5);
    if (random() < 0.1) event.cacheWrite5mTokens = Math.floor(random() * inputTokens * 0.1);
    if (random() < 0.05) event.cacheWrite1hTokens = Math.floor(random() * inputTokens * 0.1);
    if (random() < 0.05) event.cacheWriteTokens = Math.floor(random() * inputTokens * 0.1);
    if (random() < 0.2) event.reasoningTokens = Math.floor(outputTokens * random());
    if (random() < 0.85) {
      event.costUsd = Math.round(random() * 1e7) / 1e9;
      event.costBreakdown = { input: event.costUsd / 2, output: event.costUsd / 2 };
      event.priceSource = "catalog";
      event.priceEntryId = `${provider}/${model}`;
      event.catalogVersion = "2026-11-01";
    }
    if (random() < 0.9) event.latencyMs = Math.round(random() * 5000 * 1000) / 1000;
    if (random() < 0.4) {
      event.streaming = true;
      event.timeToFirstTokenMs = Math.round(random() * 800);
      event.chunks = Math.floor(random() * 50);
    } else if (random() < 0.5) {
      event.streaming = false;
    }
    if (random() < 0.05) event.cached = true;
    if (!success) {
      event.errorType = pick(["rate_limit", "timeout", "server_error"]);
      event.errorMessage = `failed ${index}`;
    }
    if (random() < 0.3)
      event.attributes = { feature: pick(["chat", "search"]), retry: random() < 0.5, n: index };
    if (random() < 0.1) event.requestId = `req-${index}`;
    if (random() < 0.1) event.responseModel = `${model}-2026-01-01`;
    if (random() < 0.05) event.pages = Math.floor(random() * 20);
    if (random() < 0.05) event.estimated = true;
    if (random() < 0.05) event.conversationId = `conv-${index % 3}`;
    if (random() < 0.05) event.organizationId = "org-1";
    if (random() < 0.05) event.serviceTier = "batch";
    if (random() < 0.05) event.region = "eu-west-1";
    // Chosen by index, not by `random()`, so the fields above stay what they always were.
    if (kind === "llm" && index % 4 === 0) {
      event.finishReasons = index % 8 === 0 ? ["stop"] : ["length", "stop"];
      event.serverAddress = `api.${provider}.example`;
      event.serverPort = 443;
      event.requestMaxTokens = 256 + index;
      event.requestTemperature = (index % 5) / 4;
      event.requestFrequencyPenalty = -0.5;
      event.requestSeed = index;
    }
    events.push(event);
  }
  return events;
}
