import type { UsageGroup, UsageReport, UsageTotals } from "../../stats/usage-stats.ts";
import type { ProviderCostDrift } from "../../store/provider-cost-drift.ts";
import type { UnpricedModel } from "../../store/unpriced-models.ts";
import type { Colors } from "./colors.ts";
import { costDriftText, unpricedAdviceText } from "./cost-checks-text.ts";
import { describeReport, GROUP_TITLES } from "./describe-report.ts";
import {
  formatDuration,
  formatGroupCost,
  formatInteger,
  formatPercent,
  formatRatio,
  formatUsd,
  unpricedNote,
} from "./numbers.ts";
import { COMPACT_WIDTH, renderKeyValueTable, renderTable, type TableColumn } from "./table.ts";

/** How text reports are laid out: colour or not, and the terminal width. */
export interface TextLayout {
  colors: Colors;
  width: number;
}

/** What `usage show` adds to a report: how unpriced models get a price, and provider-cost drift. */
export interface CostChecks {
  unpricedModels?: readonly UnpricedModel[];
  providerCostDrift?: ProviderCostDrift;
}

/**
 * The text of `llmeter usage show` (and the demo): what the report covers, the totals with
 * latency and time-to-first-token percentiles, the breakdown table and errors by type.
 */
export function formatUsageReport(
  report: UsageReport,
  layout: TextLayout,
  checks: CostChecks = {},
): string {
  const { colors } = layout;
  const parts = [colors.bold(describeReport("llmeter usage", report))];
  if (report.totals.totalRequests === 0) {
    parts.push("No usage recorded for these filters.");
    return `${parts.join("\n")}\n`;
  }
  parts.push(renderKeyValueTable(totalsRows(report.totals), colors));
  if (report.groupBy !== null) {
    parts.push(colors.bold(`By ${GROUP_TITLES[report.groupBy].toLowerCase()}`));
    parts.push(formatBreakdown(report, layout, checks));
  } else if (checks.unpricedModels !== undefined && checks.unpricedModels.length > 0) {
    parts.push(
      colors.warn(unpricedAdviceText(checks.unpricedModels, report.totals.unpricedRequests)),
    );
  }
  const drift =
    checks.providerCostDrift === undefined
      ? undefined
      : costDriftText(checks.providerCostDrift, colors);
  if (drift !== undefined) parts.push(drift);
  parts.push(`Errors by type: ${formatErrors(report.errorsByType, colors)}`);
  return `${parts.join("\n")}\n`;
}

function totalsRows(totals: UsageTotals): [string, string][] {
  const requestNotes = [`${formatInteger(totals.failedRequests)} failed`];
  if (totals.cachedRequests > 0)
    requestNotes.push(`${formatInteger(totals.cachedRequests)} cached`);
  if (totals.streamingRequests > 0)
    requestNotes.push(`${formatInteger(totals.streamingRequests)} streamed`);
  const cost =
    totals.unpricedRequests > 0
      ? `${formatUsd(totals.totalCostUsd)} (not including ${formatInteger(totals.unpricedRequests)} unpriced ${totals.unpricedRequests === 1 ? "call" : "calls"})`
      : formatUsd(totals.totalCostUsd);
  return [
    ["Requests", `${formatInteger(totals.totalRequests)} (${requestNotes.join(", ")})`],
    ["Success rate", formatRatio(totals.successRate)],
    [
      "Input tokens",
      `${formatInteger(totals.totalInputTokens)} (cache read ${formatInteger(totals.totalCacheReadTokens)}, cache write ${formatInteger(totals.totalCacheWriteTokens)})`,
    ],
    [
      "Output tokens",
      `${formatInteger(totals.totalOutputTokens)} (reasoning ${formatInteger(totals.totalReasoningTokens)})`,
    ],
    ["Total tokens", formatInteger(totals.totalTokens)],
    ["Cost", cost],
    ["Average cost per request", formatUsd(totals.avgCostPerRequest)],
    [
      "Latency p50 / p95 / p99",
      `${formatDuration(totals.latencyP50)} / ${formatDuration(totals.latencyP95)} / ${formatDuration(totals.latencyP99)}`,
    ],
    [
      "Time to first token p50 / p95 / p99",
      `${formatDuration(totals.timeToFirstTokenP50)} / ${formatDuration(totals.timeToFirstTokenP95)} / ${formatDuration(totals.timeToFirstTokenP99)}`,
    ],
  ];
}

function formatBreakdown(report: UsageReport, layout: TextLayout, checks: CostChecks): string {
  const title = GROUP_TITLES[report.groupBy!];
  const compact = layout.width < COMPACT_WIDTH;
  const columns: TableColumn[] = compact
    ? [
        { title },
        { title: "Requests", align: "right" },
        { title: "Tokens", align: "right" },
        { title: "Cost", align: "right" },
        { title: "Share", align: "right" },
      ]
    : [
        { title },
        { title: "Requests", align: "right" },
        { title: "Success", align: "right" },
        { title: "Input", align: "right" },
        { title: "Output", align: "right" },
        { title: "Cache read", align: "right" },
        { title: "Cache write", align: "right" },
        { title: "Total tokens", align: "right" },
        { title: "Cost", align: "right" },
        { title: "Share", align: "right" },
        { title: "p95 latency", align: "right" },
      ];
  const rows = report.groups.map((group: UsageGroup) =>
    compact
      ? [
          group.key,
          formatInteger(group.totalRequests),
          formatInteger(group.totalTokens),
          formatGroupCost(group),
          formatPercent(group.costSharePercent),
        ]
      : [
          group.key,
          formatInteger(group.totalRequests),
          formatRatio(group.successRate),
          formatInteger(group.totalInputTokens),
          formatInteger(group.totalOutputTokens),
          formatInteger(group.totalCacheReadTokens),
          formatInteger(group.totalCacheWriteTokens),
          formatInteger(group.totalTokens),
          formatGroupCost(group),
          formatPercent(group.costSharePercent),
          formatDuration(group.latencyP95),
        ],
  );
  const table = renderTable(columns, rows, layout.colors, { compact: true });
  const note =
    checks.unpricedModels !== undefined && checks.unpricedModels.length > 0
      ? unpricedAdviceText(checks.unpricedModels, report.totals.unpricedRequests)
      : unpricedNote(report.totals.unpricedRequests);
  return note === undefined ? table : `${table}\n${layout.colors.warn(note)}`;
}

function formatErrors(errorsByType: Record<string, number>, colors: Colors): string {
  const entries = Object.entries(errorsByType).sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  );
  if (entries.length === 0) return colors.good("none");
  return colors.bad(entries.map(([type, count]) => `${type} ${formatInteger(count)}`).join(", "));
}
