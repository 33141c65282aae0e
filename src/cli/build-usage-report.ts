import type { GroupBy, UsageReport } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import type { ResolvedQuery } from "./usage-query.ts";

/** The schema version of every `--json` data output; bumped only on a breaking change. */
export const REPORT_SCHEMA_VERSION = 1;

/**
 * Builds the one JSON report shape from the store's aggregate. `usage show`, `report` and the
 * dashboard all call this, so the same flags give the same numbers everywhere.
 */
export async function buildUsageReport(
  store: UsageStore,
  query: ResolvedQuery,
  groupBy: GroupBy | null,
): Promise<UsageReport> {
  const result = await store.aggregate({
    filter: query.filter,
    groupBy: groupBy === null ? [] : [groupBy],
    timeZone: query.timeZone,
  });
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
