import type { AggregatedUsage } from "../stats/aggregate-events.ts";
import type { GroupBy, UsageFilter, UsageTotals } from "../stats/usage-stats.ts";
import type { UsageEvent } from "../usage/usage-event.ts";

/** What an aggregate query asks for: which events, and at most one breakdown. */
export interface AggregateQuery {
  filter: UsageFilter;
  /** Breakdowns to compute; each appears in `groupsBy` under its name. */
  groupBy?: readonly GroupBy[];
  /** IANA zone for day, week and month buckets. */
  timeZone: string;
}

/** Totals, breakdowns and errors by type: what every store's `aggregate` answers. */
export type AggregateResult = AggregatedUsage;

/** A group of calls sharing a `sessionId`, with its aggregates. */
export interface SessionSummary extends UsageTotals {
  sessionId: string;
  /** ISO 8601 of the first and the latest call. */
  startedAt: string;
  lastActivityAt: string;
}

/** One provider and model's provider-reported costs; money in whole nano-dollars. */
export interface ProviderCostSum {
  provider: string;
  model: string;
  /** Calls with a provider cost and a catalog estimate. */
  requests: number;
  /** Calls with a provider cost and no estimate. */
  withoutEstimate: number;
  /** The provider costs of the `requests` calls. */
  billedNano: number;
  /** Their estimates. */
  estimateNano: number;
}

/**
 * Where usage events are kept. Implementations: in memory (tests, short scripts), SQLite (the
 * default ledger), PostgreSQL (shared deployments). Every method may be called concurrently.
 */
export interface UsageStore {
  /** Appends events; ids already stored are skipped. Resolves with how many were new. */
  append(events: readonly UsageEvent[]): Promise<number>;
  /** Totals, breakdowns and errors by type over the events in `query.filter`. */
  aggregate(query: AggregateQuery): Promise<AggregateResult>;
  /** Sessions, most recently active first. */
  listSessions(options?: { limit?: number; filter?: UsageFilter }): Promise<SessionSummary[]>;
  /** Deletes the events in `filter`; resolves with how many were deleted. */
  delete(filter: UsageFilter): Promise<number>;
  /** Every event in `filter`, oldest first, without holding them all in memory. */
  events(filter?: UsageFilter): AsyncIterable<UsageEvent>;
  /**
   * Deletes the oldest events until the policy holds: nothing older than `maxAgeMs`, and (where
   * the store can measure itself) no more than `maxBytes` used. Works in small batches so that
   * writers are never locked out for long.
   */
  enforceRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  /**
   * Appends synchronously, for stores that can (SQLite): used by `syncWrites` and to flush at
   * process exit, when asynchronous work no longer runs. Same contract as `append`.
   */
  appendSync?(events: readonly UsageEvent[], options?: { busyTimeoutMs?: number }): number;
  /**
   * Rewrites the cost of stored events, found by id and timestamp: `events` are events read from
   * the store with new cost fields (`costUsd`, `costBreakdown`, `priceSource`, `priceEntryId`,
   * `catalogVersion`, `repricedAt`); the cost column and the non-column fields are written from
   * them, the other columns are left alone. Rollups follow in the same transaction. Resolves with
   * how many events were found.
   * `previousCosts[i]`, when given, is the `costUsd` `events[i]` had when it was read: a store may
   * then write the row without reading it first, as long as its cost is still that one (SQLite:
   * one lookup instead of two per event). Used by `llmeter reprice`.
   */
  updateCosts?(
    events: readonly UsageEvent[],
    previousCosts?: ReadonlyArray<number | undefined>,
  ): Promise<number>;
  /**
   * Sums of the provider-reported costs (`priceSource: "provider"`) in `filter` of `providers`,
   * per provider and model, computed where the events are (store/provider-cost-drift.ts). Optional:
   * without it the drift is summed from `events()`.
   */
  providerCostSums?(filter: UsageFilter, providers: readonly string[]): Promise<ProviderCostSum[]>;
  close(): Promise<void>;
}

/** How much history a ledger keeps. Absent limits are not enforced. */
export interface RetentionPolicy {
  /** Events older than this (by their timestamp) are deleted. */
  maxAgeMs?: number;
  /** The store's data is kept under this many bytes, oldest events deleted first. */
  maxBytes?: number;
  /** The clock, in ms since the epoch. Default `Date.now()`. */
  nowMs?: number;
}

export interface RetentionResult {
  /** Events deleted. */
  deleted: number;
  /** The store's size in bytes afterwards, when it can tell. */
  sizeBytes?: number;
}
