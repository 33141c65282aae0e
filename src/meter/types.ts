import type { MeterHealthAlertsView } from "../alerts/meter-health-alerts.ts";
import type { BudgetStatus } from "../budgets/budget-manager.ts";
import type { CallEstimate } from "../budgets/estimate-call.ts";
import type { ResolvedPeriod, UsageFilter, UsageStats } from "../stats/usage-stats.ts";
import type { SessionSummary } from "../store/usage-store.ts";
import type {
  CostBreakdown,
  PriceSource,
  TokenUsage,
  ToolCalls,
  UsageEvent,
} from "../usage/usage-event.ts";
import type { AttributionInput } from "./attribution.ts";

/** Where a call goes and the parameters it asks for (OpenTelemetry `server.*`, `gen_ai.request.*`). */
export type RequestDetails = Pick<
  UsageEvent,
  | "serverAddress"
  | "serverPort"
  | "requestMaxTokens"
  | "requestTemperature"
  | "requestTopP"
  | "requestTopK"
  | "requestFrequencyPenalty"
  | "requestPresencePenalty"
  | "requestSeed"
  | "requestChoiceCount"
>;

/** What the provider answered with: the served model, its request id, service tier, finish reasons. */
export interface ResponseDetails {
  responseModel?: string;
  requestId?: string;
  serviceTier?: string;
  finishReasons?: string[];
}

/** What a call is, known before it runs. Attribution given here wins over the context's. */
export interface TrackInfo extends AttributionInput, RequestDetails {
  provider: string;
  model: string;
  kind?: UsageEvent["kind"];
  operation?: string;
  streaming?: boolean;
  serviceTier?: string;
  region?: string;
  /** Your own id for the event, for idempotency across retries of `record`. */
  id?: string;
  /**
   * What the call will use, for enforced budgets (a function is only called when a budget applies).
   * Without it the call is reserved at the budgets' default output tokens.
   */
  estimate?: CallEstimate | (() => CallEstimate);
  /**
   * Secrets the call was made with (the client's API key): removed from the event's error message
   * and attributes whatever their shape, on top of the known key formats. Never stored.
   */
  secrets?: readonly string[];
}

/** `meter.budgets`: the standing of the meter's budgets, read from the ledger. */
export interface MeterBudgetsView {
  /** Every rule in force with its spend, remaining, projection and state. */
  status(): BudgetStatus[];
  /** Evaluates alerts for every rule now and waits until they are delivered. */
  checkAlerts(): Promise<void>;
  /** Reservations of calls still in flight (all processes sharing the ledger). */
  activeReservations(): number;
}

/** Token counts and non-token units for `tracker.setUsage()`. */
export interface UsageUnits extends TokenUsage {
  pages?: number;
  images?: number;
  characters?: number;
  audioSeconds?: number;
  /** Server-side tool uses (web searches, containers, ...), priced by the tool fees. */
  toolCalls?: ToolCalls;
}

/** Handed to `meter.track()` callbacks: tells the meter what happened during the call. */
export interface Tracker {
  /** Token counts as the provider reported them (OpenTelemetry convention; see UsageEvent). */
  setTokens(usage: TokenUsage): void;
  /** Token counts and non-token units (pages, images, characters, audio seconds). */
  setUsage(usage: UsageUnits): void;
  /** Marks the call as streamed; optionally with a time to first token you measured yourself. */
  setStreaming(details?: { timeToFirstTokenMs?: number; chunks?: number }): void;
  /** Stamps the time to first token now (only the first call counts) and marks the call streamed. */
  firstToken(): void;
  /** Counts one streamed chunk; the first also stamps the time to first token. */
  chunk(): void;
  /** Served from a response cache: no provider call was billed. */
  setCached(cached?: boolean): void;
  /** A cost you know better than the catalog (a provider-reported cost, a negotiated rate). */
  setCost(costUsd: number, breakdown?: CostBreakdown, source?: PriceSource): void;
  /** Records a failure; `track()` does this itself when the callback throws. */
  setError(error: unknown): void;
  /** Free attributes for this call (merged over the context's). */
  setAttributes(attributes: AttributionInput): void;
  /** What the provider answered with: the served model, its request id, service tier, finish reasons. */
  setResponse(details: ResponseDetails): void;
}

/** A tracker for code that can't wrap a callback: call `end()` when the call is over. */
export interface TrackerHandle extends Tracker {
  /** Finishes the measurement and records the event. Later calls do nothing. */
  end(): void;
  /**
   * Drops the measurement without recording it (another layer recorded the call, e.g. an
   * instrumented SDK under a middleware) and frees its budget reservation. Later calls do nothing.
   */
  discard?(): void;
  /**
   * Runs `fn` (the call itself) inside this call's telemetry context: with OpenTelemetry on, its
   * CLIENT span starts now and is the active span while `fn` runs, so the work the call does
   * (the SDK's own HTTP spans) nests under it. The integrations call the SDK method through it.
   */
  run?<T>(fn: () => T): T;
}

/** `meter.record()` input: a finished call. Only what you know; the rest is filled in. */
export type RecordInput = Partial<Omit<UsageEvent, "timestamp">> &
  AttributionInput & {
    /** ISO 8601 string, epoch ms or a Date; defaults to now. */
    timestamp?: string | number | Date;
  };

/** A price the meter can put on an event; the pricing engine implements it. */
export interface EventPricer {
  priceEvent(event: UsageEvent): PricedCost | null;
}

export interface PricedCost {
  costUsd: number;
  breakdown: CostBreakdown;
  source: PriceSource;
  entryId?: string;
  catalogVersion?: string;
}

/** Receives finished events off the caller's stack, in batches. */
export interface UsageSink {
  /** Used in diagnostics. */
  name?: string;
  write(events: readonly UsageEvent[]): void | Promise<void>;
  /** Most events per `write`. Default 1000. */
  batchSize?: number;
  /** Tries per batch before it is dropped (and counted). Default 3. */
  maxAttempts?: number;
  close?(): void | Promise<void>;
}

/** A sink as users most often write it: one event at a time. */
export type UsageCallback = (event: UsageEvent) => unknown;

export interface StatsQuery extends Omit<UsageFilter, "sinceMs" | "untilMs"> {
  /** `1h`, `24h`, `7d`, `30d`, `all` or any `<n>m|h|d|w`. Default `24h`. */
  period?: string;
}

export interface CostShare {
  key: string;
  costUsd: number;
  /** Percent of the total cost. */
  sharePercent: number;
  requests: number;
  avgCostPerRequest: number;
}

export interface CostBreakdownReport {
  period: ResolvedPeriod;
  totalCostUsd: number;
  totalRequests: number;
  byProvider: CostShare[];
  byModel: CostShare[];
}

/** Counters of what the meter itself did, for health checks and tests. */
export interface MeterHealth {
  /** Events handed to the meter. */
  recorded: number;
  /** Events that needed cleaning by validation. */
  corrected: number;
  /** Events a sink never received: its buffer was full or every attempt failed. */
  droppedBySink: Record<string, number>;
  /** Failed sink calls (including ones later retried successfully). */
  sinkFailures: Record<string, number>;
  /** Events priced by the catalog, and events no price was found for. */
  priced: number;
  unpriced: number;
}

/** What `shutdown()` could not keep. */
export interface ShutdownResult {
  /**
   * Events that never reached the ledger: dropped while it could not keep up, rejected by it, or
   * still unwritten when it closed (a full disk, a database that stayed down). The same number as
   * `getHealth().droppedBySink.ledger`; 0 without a ledger.
   */
  lostByLedger: number;
}

/** The meter: the one place that records, enriches and hands usage to sinks. */
export interface Meter {
  readonly enabled: boolean;
  /** Present when the meter has budgets (options, the `budgets` setting or rules in its ledger). */
  readonly budgets?: MeterBudgetsView;
  /** Present when the meter has health alert rules: where each stands (docs/alerts.md). */
  readonly alerts?: MeterHealthAlertsView;
  /**
   * Measures `fn` (sync or async) as one call. Its return value passes through; a thrown error is
   * recorded and re-thrown unchanged.
   *
   * A call refused before `fn` runs (an enforced budget's `BudgetExceededError`) comes back the
   * way `fn`'s own failure would: as a rejected promise when `fn` is declared `async`, thrown when
   * it is not. A plain function that returns a promise cannot be recognised without running it, so
   * it gets the synchronous throw: declare such callbacks `async`.
   *
   * @example
   * const answer = await meter.track({ provider: "openai", model: "gpt-4o" }, async (t) => {
   *   const response = await client.chat.completions.create({ ... });
   *   t.setTokens({ inputTokens: response.usage.prompt_tokens, outputTokens: response.usage.completion_tokens });
   *   return response;
   * });
   */
  track<T>(info: TrackInfo, fn: (tracker: Tracker) => T): T;
  /** Starts measuring a call; `end()` the handle when it is over. */
  start(info: TrackInfo): TrackerHandle;
  /** Fire-and-forget: records a finished call. */
  record(event: RecordInput): void;
  recordLlm(event: RecordInput): void;
  recordEmbedding(event: RecordInput): void;
  recordOcr(event: RecordInput): void;
  /**
   * Records finished calls received from elsewhere (OTLP spans, another process): attributed by
   * their own fields only (no async-context capture) and never handed to the instrumentations, so
   * a received span is not exported again as a new one (a receiver exporting to itself would loop).
   */
  ingest(events: readonly RecordInput[]): void;
  /** Live statistics over the in-memory window (the last `maxHistory` events). */
  getStats(query?: StatsQuery): UsageStats;
  getCostBreakdown(query?: { period?: string }): CostBreakdownReport;
  getTenantStats(tenantId: string, query?: Omit<StatsQuery, "tenantId">): UsageStats;
  getHealth(): MeterHealth;
  /** Resolves when every event recorded so far has reached every sink (or `timeoutMs` passed). */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /** Flushes, then closes the sinks; resolves with what the ledger could not keep. The meter records nothing afterwards. */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownResult>;
  /**
   * Opens (or returns the open) session `id` (a new id when omitted). Calls made inside
   * `session.run()` carry its `sessionId`; `session.stats()` reads its aggregates from the ledger.
   *
   * @example
   * const session = meter.session("build-42");
   * await session.run(() => agent.run(task));
   * console.log((await session.stats()).totalCostUsd);
   */
  session(id?: string, options?: SessionOptions): MeterSession;
}

export interface SessionOptions {
  /** Idle time after which the session is closed. Default 30 minutes. */
  ttlMs?: number;
}

/** A group of calls sharing a `sessionId`. */
export interface MeterSession {
  readonly id: string;
  /** ISO 8601: when this handle was opened, and the latest activity seen by this process. */
  readonly startedAt: string;
  readonly lastActivityAt: string;
  /** True after `close()` or once idle longer than its TTL. */
  readonly closed: boolean;
  /** Runs `fn` with this session's id in the attribution context (across `await`). */
  run<T>(fn: () => T): T;
  /** The session's aggregates (requests, tokens, cost, latency) from the ledger, after a flush. */
  stats(): Promise<SessionSummary>;
  close(): void;
}
