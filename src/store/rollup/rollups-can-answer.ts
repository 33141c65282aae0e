import type { GroupBy, UsageFilter } from "../../stats/usage-stats.ts";

/** The breakdowns a rollup (tenant × provider × model × kind × hour or day) can answer. */
const ROLLUP_GROUPS = new Set<GroupBy>([
  "provider",
  "model",
  "tenant",
  "kind",
  "day",
  "week",
  "month",
]);

/**
 * Whether rollups hold what a query needs: no user or session filter, no user or session
 * breakdown (both are finer than a rollup's key). SQLite and PostgreSQL decide alike.
 */
export function rollupsCanAnswer(filter: UsageFilter, groupBys: readonly GroupBy[]): boolean {
  return (
    filter.userId === undefined &&
    filter.sessionId === undefined &&
    groupBys.every((groupBy) => ROLLUP_GROUPS.has(groupBy))
  );
}
