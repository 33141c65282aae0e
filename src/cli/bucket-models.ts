import type { GroupBy, UsageFilter, UsageReport } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import { zonedTimeToEpochMs } from "./parse-date.ts";

/** The instants a day, week or month key covers in `timeZone`: [since, until). */
export function bucketBounds(
  groupBy: "day" | "week" | "month",
  key: string,
  timeZone: string,
): { sinceMs: number; untilMs: number } {
  const [year, month, day] = key.split("-").map(Number) as [number, number, number | undefined];
  if (groupBy === "month") {
    return {
      sinceMs: zonedTimeToEpochMs({ year, month, day: 1 }, timeZone),
      untilMs: zonedTimeToEpochMs({ year, month: month + 1, day: 1 }, timeZone),
    };
  }
  const length = groupBy === "week" ? 7 : 1;
  return {
    sinceMs: zonedTimeToEpochMs({ year, month, day: day! }, timeZone),
    untilMs: zonedTimeToEpochMs({ year, month, day: day! + length }, timeZone),
  };
}

/**
 * The models used in each row of a report, most expensive first. The report's groups are flat, so
 * each row asks the store once for its own model breakdown (a time range or a session).
 */
export async function modelsByGroup(
  store: UsageStore,
  report: UsageReport,
  filter: UsageFilter,
): Promise<Map<string, string[]>> {
  const groupBy: GroupBy | null = report.groupBy;
  const result = new Map<string, string[]>();
  if (groupBy === null) return result;
  for (const group of report.groups) {
    const rowFilter: UsageFilter = { ...filter };
    if (groupBy === "day" || groupBy === "week" || groupBy === "month") {
      const bounds = bucketBounds(groupBy, group.key, report.timeZone);
      rowFilter.sinceMs = Math.max(bounds.sinceMs, filter.sinceMs ?? bounds.sinceMs);
      rowFilter.untilMs = Math.min(bounds.untilMs, filter.untilMs ?? bounds.untilMs);
    } else if (groupBy === "session") {
      // Events without a session are grouped under "(none)"; they can't be selected by id.
      if (group.key === "(none)") continue;
      rowFilter.sessionId = group.key;
    } else {
      continue;
    }
    const aggregate = await store.aggregate({
      filter: rowFilter,
      groupBy: ["model"],
      timeZone: report.timeZone,
    });
    result.set(
      group.key,
      (aggregate.groupsBy.model ?? []).map((modelGroup) => modelGroup.key),
    );
  }
  return result;
}
