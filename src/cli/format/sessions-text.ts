import type { UsageReport } from "../../stats/usage-stats.ts";
import type { SessionSummary } from "../../store/usage-store.ts";
import { describeReport } from "./describe-report.ts";
import {
  formatDuration,
  formatGroupCost,
  formatInteger,
  formatRatio,
  unpricedNote,
} from "./numbers.ts";
import { COMPACT_WIDTH, renderTable, type TableColumn } from "./table.ts";
import type { TextLayout } from "./usage-report-text.ts";

/** A row of `usage list --json`: a usage group plus when the session started and last ran. */
export interface SessionGroup extends Omit<SessionSummary, "sessionId"> {
  key: string;
  costSharePercent: number;
}

/** `usage list --json`: the report shape, grouped by session, newest session first. */
export interface SessionsReport extends Omit<UsageReport, "groups"> {
  groups: SessionGroup[];
}

/** The text of `llmeter usage list`: sessions newest first with their totals. */
export function formatSessions(report: SessionsReport, layout: TextLayout): string {
  const heading = layout.colors.bold(describeReport("llmeter sessions", report));
  if (report.groups.length === 0)
    return `${heading}\nNo sessions: no recorded call in this period has a sessionId.\n`;
  const compact = layout.width < COMPACT_WIDTH;
  const columns: TableColumn[] = [
    { title: "Session" },
    { title: "Last activity" },
    ...(compact ? [] : ([{ title: "Started" }] satisfies TableColumn[])),
    { title: "Requests", align: "right" },
    ...(compact ? [] : ([{ title: "Success", align: "right" }] satisfies TableColumn[])),
    { title: "Tokens", align: "right" },
    { title: "Cost", align: "right" },
    ...(compact ? [] : ([{ title: "p95 latency", align: "right" }] satisfies TableColumn[])),
  ];
  const rows = report.groups.map((session) => [
    session.key,
    localTime(session.lastActivityAt, report.timeZone),
    ...(compact ? [] : [localTime(session.startedAt, report.timeZone)]),
    formatInteger(session.totalRequests),
    ...(compact ? [] : [formatRatio(session.successRate)]),
    formatInteger(session.totalTokens),
    formatGroupCost(session),
    ...(compact ? [] : [formatDuration(session.latencyP95)]),
  ]);
  const table = renderTable(columns, rows, layout.colors, { compact: true });
  const note = unpricedNote(
    report.groups.reduce((sum, session) => sum + session.unpricedRequests, 0),
  );
  return `${[heading, table, ...(note === undefined ? [] : [layout.colors.warn(note)])].join("\n")}\n`;
}

/** `2026-11-20 18:30:05`: the instant as wall-clock time in the report's zone. */
function localTime(iso: string, timeZone: string): string {
  // sv-SE formats dates the ISO way (year-month-day, 24-hour clock).
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    dateStyle: "short",
    timeStyle: "medium",
  }).format(Date.parse(iso));
}
