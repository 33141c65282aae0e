import type { GroupBy, UsageReport } from "../../stats/usage-stats.ts";

/** Column title for a grouping. */
export const GROUP_TITLES: Record<GroupBy, string> = {
  provider: "Provider",
  model: "Model",
  tenant: "Tenant",
  user: "User",
  session: "Session",
  kind: "Kind",
  day: "Date",
  week: "Week of",
  month: "Month",
};

const FILTER_NAMES: Record<string, string> = {
  tenantId: "tenant",
  userId: "user",
  sessionId: "session",
  provider: "provider",
  model: "model",
  kind: "kind",
};

/** `all time`, `last 24h (2026-11-21T10:00:00.000Z to 2026-11-22T10:00:00.000Z)`, `since ...`. */
export function describePeriod(period: UsageReport["period"]): string {
  if (period.name === "all") return "all time";
  const range =
    period.since !== undefined && period.until !== undefined
      ? `${period.since} to ${period.until}`
      : period.since !== undefined
        ? `since ${period.since}`
        : `until ${period.until}`;
  return period.name === "custom" ? range : `last ${period.name} (${range})`;
}

/** `tenant=acme, model=gpt-4o`, or empty. */
export function describeFilters(filters: UsageReport["filters"]): string {
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${FILTER_NAMES[name] ?? name}=${value}`)
    .join(", ");
}

/** The line above a report: what it covers. */
export function describeReport(title: string, report: UsageReport): string {
  const filters = describeFilters(report.filters);
  return `${title}: ${describePeriod(report.period)}, time zone ${report.timeZone}${filters === "" ? "" : `, ${filters}`}`;
}
