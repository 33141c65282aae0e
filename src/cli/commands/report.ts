import type { Command } from "commander";
import type { GroupBy } from "../../stats/usage-stats.ts";
import { modelsByGroup } from "../bucket-models.ts";
import { buildUsageReport } from "../build-usage-report.ts";
import type { CliContext } from "../cli-context.ts";
import { writeOut } from "../cli-context.ts";
import { formatPeriodTable } from "../format/period-table-text.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { loadCostChecks } from "../load-cost-checks.ts";
import { withLedger } from "../open-ledger.ts";
import { addQueryOptions, type QueryFlags, resolveQuery } from "../usage-query.ts";

const REPORTS: ReadonlyArray<{ name: string; groupBy: GroupBy; description: string }> = [
  { name: "daily", groupBy: "day", description: "usage per day (in --tz)" },
  { name: "weekly", groupBy: "week", description: "usage per ISO week, starting Monday" },
  { name: "monthly", groupBy: "month", description: "usage per calendar month" },
  { name: "session", groupBy: "session", description: "usage per session" },
];

/** `llmeter report daily|weekly|monthly|session`: ccusage-style tables with a totals row. */
export function registerReportCommand(program: Command, context: CliContext): void {
  const report = program
    .command("report")
    .description("daily, weekly, monthly or per-session usage tables");
  for (const { name, groupBy, description } of REPORTS) {
    const command = report.command(name).description(description);
    addQueryOptions(command)
      .option("--json", "print the report as JSON (the same shape as usage show --json)")
      .addHelpText(
        "after",
        `\nExample:\n  llmeter report ${name} --since 2026-11-01 --tz Europe/Paris`,
      )
      .action(async (flags: QueryFlags) => {
        await withLedger(flags, context, { create: false }, async (store) => {
          const query = await resolveQuery(flags, context, store);
          const result = await buildUsageReport(store, query, groupBy);
          if (flags.json === true) {
            // The same shape as usage show --json.
            const checks = await loadCostChecks(store, query, result, context);
            await writeOut(context.stdout, toJsonText({ ...result, ...checks }));
            return;
          }
          const models = await modelsByGroup(store, result, query.filter);
          await writeOut(
            context.stdout,
            formatPeriodTable(result, models, layoutFor(context), `llmeter ${name} report`),
          );
        });
      });
  }
}
