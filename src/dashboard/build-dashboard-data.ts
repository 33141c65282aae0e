import { REPORT_SCHEMA_VERSION } from "../cli/build-usage-report.ts";
import type { ResolvedQuery } from "../cli/usage-query.ts";
import type { PriceBook } from "../pricing/price-book.ts";
import { priceFileTemplate } from "../pricing/price-file-template.ts";
import type { GroupBy, UsageGroup, UsageReport } from "../stats/usage-stats.ts";
import { loadProviderCostDrift, type ProviderCostDrift } from "../store/provider-cost-drift.ts";
import { listUnpricedModels, type UnpricedModel } from "../store/unpriced-models.ts";
import type { AggregateResult, UsageStore } from "../store/usage-store.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import type { BudgetsPanel } from "./budgets-panel.ts";
import { buildTimeline, type StackBy, type Timeline, timelineUnitHint } from "./build-timeline.ts";
import { type ForecastPanel, loadForecastPanel } from "./forecast-panel.ts";

/**
 * The breakdowns in the dashboard answer; each is a full `UsageReport`. They are the ones the
 * ledger's hourly rollups can answer. The user breakdown and the sessions need the events
 * themselves, so the page asks for them separately (`/api/report?groupBy=user`, `/api/sessions`)
 * and the first paint does not wait for them on a large ledger.
 */
export const DASHBOARD_BREAKDOWNS = [
  "provider",
  "model",
  "tenant",
] as const satisfies readonly GroupBy[];

/** One call of a session, as listed on the page: metadata only, never prompt or response text. */
export interface DashboardCall {
  id: string;
  timestamp: string;
  kind: string;
  operation: string;
  provider: string;
  model: string;
  success: boolean;
  errorType?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  reasoningTokens?: number;
  latencyMs?: number;
  timeToFirstTokenMs?: number;
  costUsd?: number;
  tenantId?: string;
  userId?: string;
}

export type { UnpricedModel } from "../store/unpriced-models.ts";

/** Everything the page draws, from one request: the response of `GET /api/dashboard`. */
export interface DashboardData {
  schemaVersion: 1;
  generatedAt: string;
  /** Totals over the filters (`groupBy: null`): the same as `llmeter usage show --json`. */
  report: UsageReport;
  breakdowns: Record<(typeof DASHBOARD_BREAKDOWNS)[number], UsageReport>;
  timeline: Timeline;
  /** The calls of the session in the `session` filter, newest first; null without that filter. */
  calls: DashboardCall[] | null;
  /** True when more calls exist than `calls` holds. */
  callsTruncated: boolean;
  /** Models with calls that have no cost, each with its fix: `reprice`, or a price file. */
  unpricedModels: UnpricedModel[];
  /**
   * A price file for the models nobody prices, its prices `null` so it fails validation until
   * they are filled in (never a $0 placeholder); null when every unpriced model has a price now.
   */
  priceFileTemplate: ReturnType<typeof priceFileTemplate> | null;
  /** Provider-reported costs against the catalog's estimates, per model (`usage show --json`'s). */
  providerCostDrift: ProviderCostDrift;
  budgets: BudgetsPanel;
  /** Month-end forecasts, overall and for the top tenants of the tenant breakdown. */
  forecasts: ForecastPanel;
}

const CALL_LIMIT = 500;

/** Builds the page's data for `query`: the report, breakdowns, timeline, sessions and calls. */
export async function buildDashboardData(
  store: UsageStore,
  query: ResolvedQuery,
  options: {
    now: number;
    stackBy: StackBy;
    budgets: () => Promise<BudgetsPanel>;
    /** Tells a model the catalog or price file prices (reprice) from one nobody does. */
    priceBook: Pick<PriceBook, "findEntry">;
  },
): Promise<DashboardData> {
  // Totals, the three breakdowns and (when the period fixes it) the timeline's buckets in one
  // pass, which the ledger's rollups can answer.
  const unit =
    timelineUnitHint(query, options.now) ??
    (query.filter.sinceMs === undefined ? "day" : undefined);
  const groupBy: GroupBy[] = [...DASHBOARD_BREAKDOWNS];
  if (unit !== undefined) groupBy.push(unit);
  const [combined, calls, budgets] = await Promise.all([
    store.aggregate({ filter: query.filter, groupBy, timeZone: query.timeZone }),
    query.filter.sessionId === undefined ? Promise.resolve(null) : listCalls(store, query),
    options.budgets(),
  ]);
  const report = usageReportFromAggregate(query, null, combined);
  const provider = usageReportFromAggregate(query, "provider", combined);
  const model = usageReportFromAggregate(query, "model", combined);
  const tenant = usageReportFromAggregate(query, "tenant", combined);
  const known: Partial<Record<"stack" | "day" | "month", readonly UsageGroup[]>> = {
    stack: options.stackBy === "provider" ? provider.groups : model.groups,
  };
  if (unit !== undefined) known[unit] = combined.groupsBy[unit] ?? [];
  const timeline = await buildTimeline(store, query, {
    now: options.now,
    stackBy: options.stackBy,
    known,
  });
  const [unpricedModels, providerCostDrift, forecasts] = await Promise.all([
    report.totals.unpricedRequests === 0
      ? []
      : listUnpricedModels(store, {
          filter: query.filter,
          timeZone: query.timeZone,
          book: options.priceBook,
          models: model.groups,
        }),
    loadProviderCostDrift(store, query.filter, {
      presentProviders: provider.groups.map((group) => group.key),
    }),
    loadForecastPanel(store, {
      filter: query.filter,
      tenants: tenant.groups.map((group) => group.key),
      timeZone: query.timeZone,
      nowMs: options.now,
    }),
  ]);
  return {
    schemaVersion: 1,
    generatedAt: new Date(options.now).toISOString(),
    report,
    breakdowns: { provider, model, tenant },
    timeline,
    calls: calls?.calls ?? null,
    callsTruncated: calls?.truncated ?? false,
    unpricedModels,
    priceFileTemplate: templateFor(unpricedModels),
    providerCostDrift,
    budgets,
    forecasts,
  };
}

/** The price file to start for the unpriced models nobody prices, or null when there are none. */
function templateFor(models: readonly UnpricedModel[]): DashboardData["priceFileTemplate"] {
  const unknown = models.filter((entry) => entry.fix === "price-file");
  if (unknown.length === 0) return null;
  return priceFileTemplate(
    unknown.map((entry) => ({ model: entry.model, provider: entry.providers[0] })),
  );
}

/**
 * The `UsageReport` for `groupBy` from an aggregate that computed it: the same shape and values
 * as `buildUsageReport` (what `llmeter usage show --json` prints), without another query.
 */
export function usageReportFromAggregate(
  query: ResolvedQuery,
  groupBy: GroupBy | null,
  result: AggregateResult,
): UsageReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    period: query.period,
    filters: query.filters,
    groupBy,
    timeZone: query.timeZone,
    totals: result.totals,
    groups: groupBy === null ? [] : (result.groupsBy[groupBy] ?? []),
    errorsByType: result.errorsByType,
  };
}

async function listCalls(
  store: UsageStore,
  query: ResolvedQuery,
): Promise<{ calls: DashboardCall[]; truncated: boolean }> {
  // Events come oldest first; keep the newest CALL_LIMIT in a ring, without holding the rest.
  const newest: DashboardCall[] = [];
  let seen = 0;
  for await (const event of store.events(query.filter)) {
    newest[seen % CALL_LIMIT] = toCall(event);
    seen += 1;
  }
  const calls =
    seen <= CALL_LIMIT
      ? newest
      : [...newest.slice(seen % CALL_LIMIT), ...newest.slice(0, seen % CALL_LIMIT)];
  return { calls: calls.reverse(), truncated: seen > CALL_LIMIT };
}

/** Picks the metadata fields by name, so text the user opted into storing never reaches the page. */
function toCall(event: UsageEvent): DashboardCall {
  const call: DashboardCall = {
    id: event.id,
    timestamp: event.timestamp,
    kind: event.kind,
    operation: event.operation,
    provider: event.provider,
    model: event.model,
    success: event.success,
  };
  const optional = [
    "errorType",
    "inputTokens",
    "outputTokens",
    "cacheReadTokens",
    "reasoningTokens",
    "latencyMs",
    "timeToFirstTokenMs",
    "costUsd",
    "tenantId",
    "userId",
  ] as const;
  for (const name of optional) {
    const value = event[name];
    if (value !== undefined) (call as unknown as Record<string, unknown>)[name] = value;
  }
  return call;
}
