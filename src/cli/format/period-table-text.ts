import type { UsageGroup, UsageReport } from "../../stats/usage-stats.ts";
import { describeReport, GROUP_TITLES } from "./describe-report.ts";
import { formatGroupCost, formatInteger, unpricedNote } from "./numbers.ts";
import { COMPACT_WIDTH, renderTable, type TableColumn } from "./table.ts";
import type { TextLayout } from "./usage-report-text.ts";

/**
 * The ccusage-style table of `llmeter report daily|weekly|monthly|session`: one row per bucket with
 * its models, input, output, cache read, cache write, total tokens and cost, then a totals row.
 * Narrow terminals get the compact layout (bucket, models, input, output, cost).
 */
export function formatPeriodTable(
  report: UsageReport,
  models: ReadonlyMap<string, readonly string[]>,
  layout: TextLayout,
  title: string,
): string {
  const { colors } = layout;
  const heading = colors.bold(describeReport(title, report));
  if (report.groups.length === 0) return `${heading}\nNo usage recorded for these filters.\n`;
  const compact = layout.width < COMPACT_WIDTH;
  const columns: TableColumn[] = [
    { title: GROUP_TITLES[report.groupBy ?? "day"] },
    { title: "Models" },
    { title: "Input", align: "right" },
    { title: "Output", align: "right" },
    ...(compact
      ? []
      : ([
          { title: "Cache read", align: "right" },
          { title: "Cache write", align: "right" },
          { title: "Total tokens", align: "right" },
        ] satisfies TableColumn[])),
    { title: "Cost (USD)", align: "right" },
  ];
  const row = (label: string, modelText: string, totals: UsageGroup | UsageReport["totals"]) => [
    label,
    modelText,
    formatInteger(totals.totalInputTokens),
    formatInteger(totals.totalOutputTokens),
    ...(compact
      ? []
      : [
          formatInteger(totals.totalCacheReadTokens),
          formatInteger(totals.totalCacheWriteTokens),
          formatInteger(totals.totalTokens),
        ]),
    formatGroupCost(totals),
  ];
  const rows = report.groups.map((group) =>
    row(group.key, (models.get(group.key) ?? []).map((model) => `- ${model}`).join("\n"), group),
  );
  const table = renderTable(columns, rows, colors, { footer: row("Total", "", report.totals) });
  const notes: string[] = [];
  const note = unpricedNote(report.totals.unpricedRequests);
  if (note !== undefined) notes.push(colors.warn(note));
  if (compact)
    notes.push(
      colors.dim(
        `Compact layout: widen the terminal to ${COMPACT_WIDTH} columns to see cache and total tokens.`,
      ),
    );
  return `${[heading, table, ...notes].join("\n")}\n`;
}
