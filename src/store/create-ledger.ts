import type { Environment } from "../config/environment.ts";
import { ledgerLocationOf } from "../config/ledger-location.ts";
import { resolveConfig } from "../config/resolve-config.ts";
import { consoleDiagnostics, type DiagnosticsLogger } from "../meter/diagnostics.ts";
import { reportConfigWarnings } from "../meter/report-config-warnings.ts";
import { resolvePeriod } from "../stats/period.ts";
import { assertTimeZone, localTimeZone } from "../stats/time-buckets.ts";
import type { GroupBy, ResolvedPeriod, UsageFilter, UsageReport } from "../stats/usage-stats.ts";
import { GROUP_BY_VALUES } from "../stats/usage-stats.ts";
import { openStore } from "./open-store.ts";
import { exportSession, importSession, type SessionFile } from "./session-file.ts";
import type {
  RetentionPolicy,
  RetentionResult,
  SessionSummary,
  UsageStore,
} from "./usage-store.ts";

/** What `ledger.report()` covers and how it groups. */
export interface LedgerReportQuery extends Omit<UsageFilter, "sinceMs" | "untilMs"> {
  /** `24h`, `7d`, `30d`, `all`, any `<n>m|h|d|w`. Default `30d`. Ignored when `since` is given. */
  period?: string;
  /** Explicit bounds (ISO 8601, epoch ms or Date); `until` is exclusive. */
  since?: string | number | Date;
  until?: string | number | Date;
  /** One breakdown, or none for totals only. */
  groupBy?: GroupBy | null;
  /** IANA zone for day/week/month buckets. Default the ledger's (the `timeZone` setting, else the machine's). */
  timeZone?: string;
}

/** The persistent ledger, for reports that outlive the process (the CLI and dashboard use the same). */
export interface Ledger {
  /** The SQLite path or PostgreSQL URL. */
  readonly location: string;
  readonly store: UsageStore;
  /** Totals and one breakdown in the shared `UsageReport` JSON shape (`schemaVersion: 1`). */
  report(query?: LedgerReportQuery): Promise<UsageReport>;
  sessions(options?: { limit?: number; filter?: UsageFilter }): Promise<SessionSummary[]>;
  exportSession(sessionId: string, path: string): Promise<SessionFile>;
  importSession(path: string): Promise<{ sessionId: string; events: number; imported: number }>;
  /** Deletes the events in `filter` (`{}` deletes everything); resolves with how many. */
  clear(filter: UsageFilter): Promise<number>;
  enforceRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  close(): Promise<void>;
}

export interface LedgerOptions {
  /**
   * SQLite path or postgres:// URL. Default: the `db` setting, read as by `createMeter()` and the
   * CLI: `LLMETER_DB`, else `LLMETER_DATABASE_URL`, else `.llmeter/config.json`, else `.llmeter/usage.db`.
   */
  location?: string;
  /** Use this store instead of opening one. */
  store?: UsageStore;
  timeZone?: string;
  /** The clock for periods, in ms since the epoch. For tests. */
  now?: () => number;
  configContext?: { env?: Environment; cwd?: string };
  /** Where configuration warnings go (an unknown `LLMETER_*` variable). Default: stderr, once. */
  diagnostics?: DiagnosticsLogger;
}

/**
 * Opens the ledger for queries: "stats for 30 days by tenant", session lists, exports, clearing.
 *
 * @example
 * const ledger = await createLedger();
 * const report = await ledger.report({ period: "30d", groupBy: "tenant" });
 * await ledger.close();
 */
export async function createLedger(options: LedgerOptions = {}): Promise<Ledger> {
  const { values, warnings } = resolveConfig(
    { db: options.location, timeZone: options.timeZone },
    options.configContext,
  );
  reportConfigWarnings(warnings, options.diagnostics ?? consoleDiagnostics);
  const cwd = options.configContext?.cwd ?? process.cwd();
  const location =
    options.store !== undefined
      ? (options.location ?? "(custom store)")
      : ledgerLocationOf(values.db, cwd);
  const store = options.store ?? (await openStore(location));
  const defaultZone = values.timeZone ?? localTimeZone();
  const now = options.now ?? Date.now;
  return {
    location,
    store,
    report: (query = {}) => buildLedgerReport(store, query, defaultZone, now()),
    sessions: (sessionOptions) => store.listSessions(sessionOptions),
    exportSession: (sessionId, path) => exportSession(store, sessionId, path),
    importSession: (path) => importSession(store, path),
    clear: (filter) => store.delete(filter),
    enforceRetention: (policy) => store.enforceRetention(policy),
    close: () => store.close(),
  };
}

/** Builds the shared `UsageReport` from any store. Throws a RangeError for a bad period, zone or grouping. */
export async function buildLedgerReport(
  store: UsageStore,
  query: LedgerReportQuery,
  defaultTimeZone: string,
  nowMs: number,
): Promise<UsageReport> {
  const { period, since, until, groupBy = null, timeZone = defaultTimeZone, ...filters } = query;
  assertTimeZone(timeZone);
  if (groupBy !== null && !GROUP_BY_VALUES.includes(groupBy)) {
    throw new RangeError(
      `Unknown groupBy "${groupBy}". Use one of: ${GROUP_BY_VALUES.join(", ")}.`,
    );
  }
  let bounds: { sinceMs?: number; untilMs?: number; resolved: ResolvedPeriod };
  if (since !== undefined || until !== undefined) {
    const sinceMs = since === undefined ? undefined : toEpochMs(since, "since");
    const untilMs = until === undefined ? undefined : toEpochMs(until, "until");
    bounds = {
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(untilMs === undefined ? {} : { untilMs }),
      resolved: {
        name: "custom",
        ...(sinceMs === undefined ? {} : { since: new Date(sinceMs).toISOString() }),
        ...(untilMs === undefined ? {} : { until: new Date(untilMs).toISOString() }),
      },
    };
  } else {
    bounds = resolvePeriod(period ?? "30d", nowMs);
  }
  const filter: UsageFilter = { ...filters };
  if (bounds.sinceMs !== undefined) filter.sinceMs = bounds.sinceMs;
  if (bounds.untilMs !== undefined) filter.untilMs = bounds.untilMs;
  const result = await store.aggregate({
    filter,
    groupBy: groupBy === null ? [] : [groupBy],
    timeZone,
  });
  return {
    schemaVersion: 1,
    period: bounds.resolved,
    filters,
    groupBy,
    timeZone,
    totals: result.totals,
    groups: groupBy === null ? [] : (result.groupsBy[groupBy] ?? []),
    errorsByType: result.errorsByType,
  };
}

function toEpochMs(value: string | number | Date, name: string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new RangeError(
      `Invalid ${name} ${JSON.stringify(value)}: use an ISO 8601 date such as "2026-11-01" or "2026-11-01T08:00:00Z".`,
    );
  }
  return ms;
}
