import type { Command } from "commander";
import { GROUP_BY_VALUES, type GroupBy } from "../../stats/usage-stats.ts";
import { buildUsageReport } from "../build-usage-report.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { formatUsageReport } from "../format/usage-report-text.ts";
import { loadCostChecks } from "../load-cost-checks.ts";
import { withLedger } from "../open-ledger.ts";
import { addQueryOptions, type QueryFlags, resolveQuery } from "../usage-query.ts";

/** Parses `--by`; `none` gives totals only. */
export function parseGroupBy(value: string | undefined, fallback: GroupBy | null): GroupBy | null {
  if (value === undefined) return fallback;
  if (value === "none") return null;
  if ((GROUP_BY_VALUES as readonly string[]).includes(value)) return value as GroupBy;
  throw new CliUsageError(
    `--by "${value}" is unknown. Use one of ${GROUP_BY_VALUES.join(", ")}, or none.`,
  );
}

/** `llmeter usage show`: totals, percentiles and one breakdown. */
export function registerUsageShowCommand(usage: Command, context: CliContext): void {
  const command = usage
    .command("show")
    .description("totals (requests, success rate, tokens, cost, latency) and a breakdown table");
  addQueryOptions(command)
    .option("--by <grouping>", `breakdown: ${GROUP_BY_VALUES.join(", ")}, or none (default: model)`)
    .option("--json", "print the report as JSON (see docs/json-output.md)")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage show --period 24h --by model\n  llmeter usage show --tenant acme --by user --json\n  llmeter usage show --session latest",
    )
    .action(async (flags: QueryFlags & { by?: string }) => {
      const groupBy = parseGroupBy(flags.by, "model");
      await withLedger(flags, context, { create: false }, async (store) => {
        const query = await resolveQuery(flags, context, store);
        const report = await buildUsageReport(store, query, groupBy);
        const checks = await loadCostChecks(store, query, report, context);
        await writeOut(
          context.stdout,
          flags.json === true
            ? toJsonText({ ...report, ...checks })
            : formatUsageReport(report, layoutFor(context), checks),
        );
      });
    });
}
