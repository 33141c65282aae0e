import { emptyTotals } from "../stats/aggregate-events.ts";
import type { UsageStats } from "../stats/usage-stats.ts";
import type { SessionSummary } from "../store/usage-store.ts";
import type { Meter, MeterHealth, MeterSession, Tracker, TrackerHandle } from "./types.ts";

function nothing(): void {}

const NOOP_TRACKER: TrackerHandle = {
  setTokens: nothing,
  setUsage: nothing,
  setStreaming: nothing,
  firstToken: nothing,
  chunk: nothing,
  setCached: nothing,
  setCost: nothing,
  setError: nothing,
  setAttributes: nothing,
  setResponse: nothing,
  end: nothing,
};

function emptyStats(): UsageStats {
  return {
    period: { name: "all" },
    filters: {},
    ...emptyTotals(),
    byProvider: {},
    byModel: {},
    byTenant: {},
    byUser: {},
    errorsByType: {},
  };
}

const EMPTY_HEALTH: MeterHealth = Object.freeze({
  recorded: 0,
  corrected: 0,
  droppedBySink: {},
  sinkFailures: {},
  priced: 0,
  unpriced: 0,
});

function emptySessionSummary(sessionId: string): SessionSummary {
  return { sessionId, startedAt: "", lastActivityAt: "", ...emptyTotals() };
}

const NOOP_SESSION: MeterSession = Object.freeze({
  id: "",
  startedAt: "",
  lastActivityAt: "",
  closed: true,
  run: <T>(fn: () => T): T => fn(),
  stats: () => Promise.resolve(emptySessionSummary("")),
  close: nothing,
});

const NOOP_METER: Meter = Object.freeze({
  enabled: false,
  track: <T>(_info: unknown, fn: (tracker: Tracker) => T): T => fn(NOOP_TRACKER),
  start: () => NOOP_TRACKER,
  record: nothing,
  recordLlm: nothing,
  recordEmbedding: nothing,
  recordOcr: nothing,
  ingest: nothing,
  getStats: emptyStats,
  getCostBreakdown: () => ({
    period: { name: "all" },
    totalCostUsd: 0,
    totalRequests: 0,
    byProvider: [],
    byModel: [],
  }),
  getTenantStats: emptyStats,
  getHealth: () => EMPTY_HEALTH,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve({ lostByLedger: 0 }),
  session: () => NOOP_SESSION,
});

/** The disabled meter: records nothing, allocates nothing per call; `track` just calls `fn`. */
export function createNoopMeter(): Meter {
  return NOOP_METER;
}
