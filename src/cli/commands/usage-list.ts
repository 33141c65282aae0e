import type { Command } from "commander";
import { toGroup } from "../../stats/aggregate-events.ts";
import { buildUsageReport } from "../build-usage-report.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { formatSessions, type SessionsReport } from "../format/sessions-text.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { withLedger } from "../open-ledger.ts";
import { addQueryOptions, type QueryFlags, resolveQuery } from "../usage-query.ts";

/** `llmeter usage list`: sessions, newest first, with their totals. */
export function registerUsageListCommand(usage: Command, context: CliContext): void {
  const command = usage.command("list").description("sessions, newest first, with their totals");
  addQueryOptions(command, { session: false })
    .option("--limit <n>", "at most this many sessions", "20")
    .option("--json", "print the sessions as JSON (the report shape, grouped by session)")
    .addHelpText("after", "\nExample:\n  llmeter usage list --limit 5 --period 7d")
    .action(async (flags: QueryFlags & { limit: string }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliUsageError(`--limit "${flags.limit}" must be a whole number of 1 or more.`);
      await withLedger(flags, context, { create: false }, async (store) => {
        const query = await resolveQuery(flags, context, store);
        const [overall, sessions] = await Promise.all([
          buildUsageReport(store, query, null),
          store.listSessions({ limit, filter: query.filter }),
        ]);
        const report: SessionsReport = {
          ...overall,
          groupBy: "session",
          groups: sessions.map(({ sessionId, startedAt, lastActivityAt, ...totals }) => ({
            ...toGroup(sessionId, totals, overall.totals.totalCostUsd),
            startedAt,
            lastActivityAt,
          })),
        };
        await writeOut(
          context.stdout,
          flags.json === true ? toJsonText(report) : formatSessions(report, layoutFor(context)),
        );
      });
    });
}
