/**
 * The mock provider's options: their types, defaults and validation. Validation runs once, when
 * the server starts or `setOptions` is called, so a bad value fails loudly at the call that set it
 * and never half-way through a request.
 */

import { setTimeout as sleep } from "node:timers/promises";

/**
 * A failure the mock provider can inject: an HTTP error status; "broken-stream", a response cut
 * mid-way (the socket is destroyed); or "stream-error", a stream that stops with the provider's
 * in-stream error event (a 500 for requests that are not streamed).
 */
export type MockFailureKind =
  | 400
  | 401
  | 403
  | 404
  | 429
  | 500
  | 503
  | 529
  | "broken-stream"
  | "stream-error";

/** The failure kinds in the order they are documented (also used to validate input). */
export const MOCK_FAILURE_KINDS: readonly MockFailureKind[] = [
  400,
  401,
  403,
  404,
  429,
  500,
  503,
  529,
  "broken-stream",
  "stream-error",
];

/** Injects `status` on the next `times` requests (default 1; `Infinity` for every request). */
export interface MockFailure {
  status: MockFailureKind;
  times?: number;
}

/** How the mock provider behaves. Every field is optional; see `DEFAULT_MOCK_PROVIDER_OPTIONS`. */
export interface MockProviderOptions {
  /** TCP port to listen on; 0 (the default) picks any free port. */
  port?: number;
  /** Interface to listen on; default "127.0.0.1" (loopback only). */
  host?: string;
  /** Delay before a non-streamed response, or before the response headers of a stream. */
  latencyMs?: number;
  /** Streaming: delay between the response headers and the first content chunk. */
  timeToFirstTokenMs?: number;
  /** Streaming: delay between two content chunks. */
  chunkDelayMs?: number;
  /** Streaming: number of content chunks (default 8). The reply has at least this many words. */
  chunks?: number;
  /** Words in a reply when `chunks` asks for fewer (default 16). One word is one output token. */
  replyWords?: number;
  /** Reasoning (thinking) tokens reported by reasoning models (default 32). */
  reasoningTokens?: number;
  /** 0..1: share of prompt tokens reported as cache reads (default 0). */
  cachedShare?: number;
  /** Inject a failure on the next `times` requests. */
  failure?: MockFailure | undefined;
  /**
   * Azure OpenAI routes (/openai/...): deployment name → the model the response reports, as an
   * Azure deployment reports its underlying model. Unlisted deployments echo their name.
   */
  deployments?: Record<string, string>;
  /**
   * OpenAI-compatible routes: also report what the call cost, in the field a provider uses for
   * it, priced at the given USD per million tokens. Off by default (OpenAI reports no cost).
   */
  reportedCost?: MockReportedCost | undefined;
  /**
   * How the delays above are waited out; default a real timer. A test that runs its meter on a
   * virtual clock passes one that advances that clock instead, so "slow" costs no real time and
   * the measured latency is exactly the delay.
   */
  wait?: MockWait;
}

/**
 * A cost in a provider's own usage field: xAI's `usage.cost_in_usd_ticks` (1 tick = 10⁻¹⁰ USD,
 * https://docs.x.ai/developers/cost-tracking) or OpenRouter's `usage.cost` in USD, which it
 * always sends, streamed or not (https://openrouter.ai/docs/use-cases/usage-accounting).
 */
export interface MockReportedCost {
  format: "xai" | "openrouter";
  /** USD per million prompt tokens. */
  inputPerMillion: number;
  /** USD per million completion tokens (reasoning included). */
  outputPerMillion: number;
}

/** Waits `ms` (or until `signal` aborts, rejecting). */
export type MockWait = (ms: number, signal: AbortSignal) => Promise<void>;

/** The options with every default filled in (what the server actually runs with). */
export interface ResolvedMockProviderOptions {
  port: number;
  host: string;
  latencyMs: number;
  timeToFirstTokenMs: number;
  chunkDelayMs: number;
  chunks: number;
  replyWords: number;
  reasoningTokens: number;
  cachedShare: number;
  failure: { status: MockFailureKind; remaining: number } | undefined;
  deployments: Record<string, string>;
  reportedCost: MockReportedCost | undefined;
  wait: MockWait;
}

/** The defaults: no delay, 8 chunks, 16-word replies, 32 reasoning tokens, no cache, no failure. */
export const DEFAULT_MOCK_PROVIDER_OPTIONS: ResolvedMockProviderOptions = {
  port: 0,
  host: "127.0.0.1",
  latencyMs: 0,
  timeToFirstTokenMs: 0,
  chunkDelayMs: 0,
  chunks: 8,
  replyWords: 16,
  reasoningTokens: 32,
  cachedShare: 0,
  failure: undefined,
  deployments: {},
  reportedCost: undefined,
  wait: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** Thrown for an option value the mock provider can't run with; says which and how to fix it. */
export class MockProviderOptionError extends Error {
  override name = "MockProviderOptionError";
}

/**
 * Merges `changes` into `base` after checking every given field; throws MockProviderOptionError
 * (and changes nothing) when one is invalid.
 */
export function resolveMockProviderOptions(
  base: ResolvedMockProviderOptions,
  changes: Partial<MockProviderOptions>,
): ResolvedMockProviderOptions {
  const next: ResolvedMockProviderOptions = { ...base };
  if (changes.port !== undefined) next.port = integerIn("port", changes.port, 0, 65_535);
  if (changes.host !== undefined) {
    if (typeof changes.host !== "string" || changes.host.trim() === "") {
      throw invalid("host", changes.host, 'a host name or IP address such as "127.0.0.1"');
    }
    next.host = changes.host;
  }
  if (changes.latencyMs !== undefined) next.latencyMs = delay("latencyMs", changes.latencyMs);
  if (changes.timeToFirstTokenMs !== undefined) {
    next.timeToFirstTokenMs = delay("timeToFirstTokenMs", changes.timeToFirstTokenMs);
  }
  if (changes.chunkDelayMs !== undefined) {
    next.chunkDelayMs = delay("chunkDelayMs", changes.chunkDelayMs);
  }
  if (changes.chunks !== undefined) next.chunks = integerIn("chunks", changes.chunks, 1, 100_000);
  if (changes.replyWords !== undefined) {
    next.replyWords = integerIn("replyWords", changes.replyWords, 1, 1_000_000);
  }
  if (changes.reasoningTokens !== undefined) {
    next.reasoningTokens = integerIn("reasoningTokens", changes.reasoningTokens, 0, 1_000_000);
  }
  if (changes.cachedShare !== undefined) {
    const share = changes.cachedShare;
    if (typeof share !== "number" || !(share >= 0 && share <= 1)) {
      throw invalid("cachedShare", share, "a number from 0 to 1, such as 0.5");
    }
    next.cachedShare = share;
  }
  if ("failure" in changes) next.failure = resolveFailure(changes.failure);
  if (changes.deployments !== undefined) next.deployments = resolveDeployments(changes.deployments);
  if ("reportedCost" in changes) next.reportedCost = resolveReportedCost(changes.reportedCost);
  if (changes.wait !== undefined) {
    if (typeof changes.wait !== "function")
      throw invalid("wait", changes.wait, "a function (ms, signal) => Promise<void>");
    next.wait = changes.wait;
  }
  return next;
}

/** Parses a failure kind given as text (an `x-mock-fail` header or a CLI flag); undefined if unknown. */
export function parseMockFailureKind(text: string): MockFailureKind | undefined {
  const trimmed = text.trim();
  return MOCK_FAILURE_KINDS.find((kind) => String(kind) === trimmed);
}

function resolveFailure(failure: MockFailure | undefined): ResolvedMockProviderOptions["failure"] {
  if (failure === undefined || failure === null) return undefined;
  if (typeof failure !== "object" || !MOCK_FAILURE_KINDS.includes(failure.status)) {
    throw invalid(
      "failure.status",
      failure?.status,
      `one of ${MOCK_FAILURE_KINDS.map((kind) => JSON.stringify(kind)).join(", ")}`,
    );
  }
  const times = failure.times ?? 1;
  if (times !== Number.POSITIVE_INFINITY && !(Number.isInteger(times) && times >= 1)) {
    throw invalid("failure.times", times, "a whole number of requests >= 1, or Infinity");
  }
  return { status: failure.status, remaining: times };
}

function resolveReportedCost(cost: MockReportedCost | undefined): MockReportedCost | undefined {
  if (cost === undefined || cost === null) return undefined;
  if (typeof cost !== "object" || (cost.format !== "xai" && cost.format !== "openrouter")) {
    throw invalid("reportedCost.format", cost?.format, '"xai" or "openrouter"');
  }
  for (const field of ["inputPerMillion", "outputPerMillion"] as const) {
    const value = cost[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      throw invalid(
        `reportedCost.${field}`,
        value,
        "a price in USD per million tokens >= 0, such as 3",
      );
  }
  return {
    format: cost.format,
    inputPerMillion: cost.inputPerMillion,
    outputPerMillion: cost.outputPerMillion,
  };
}

function resolveDeployments(deployments: unknown): Record<string, string> {
  if (deployments === null || typeof deployments !== "object" || Array.isArray(deployments)) {
    throw invalid(
      "deployments",
      deployments,
      'an object such as { "prod-chat": "gpt-4o-2024-08-06" }',
    );
  }
  for (const [name, model] of Object.entries(deployments)) {
    if (typeof model !== "string" || model === "") {
      throw invalid(`deployments.${name}`, model, "a model name string");
    }
  }
  return { ...(deployments as Record<string, string>) };
}

function delay(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(name, value, "a number of milliseconds >= 0");
  }
  return value;
}

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function invalid(name: string, value: unknown, expected: string): MockProviderOptionError {
  return new MockProviderOptionError(
    `Invalid mock provider option "${name}": got ${JSON.stringify(value) ?? String(value)}, expected ${expected}.`,
  );
}
