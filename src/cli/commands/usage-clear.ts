import type { Command } from "commander";
import type { UsageFilter } from "../../stats/usage-stats.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { formatInteger } from "../format/numbers.ts";
import { withLedger } from "../open-ledger.ts";
import { parseDateBound } from "../parse-date.ts";
import { addLedgerOption, resolveTimeZone } from "../usage-query.ts";

interface ClearFlags {
  db?: string;
  before?: string;
  session?: string;
  all?: boolean;
  yes?: boolean;
  tz?: string;
}

/** `llmeter usage clear`: deletes events; asks on a terminal, needs `--yes` elsewhere. */
export function registerUsageClearCommand(usage: Command, context: CliContext): void {
  const command = usage
    .command("clear")
    .description("delete events from the ledger (asks for confirmation)");
  addLedgerOption(command)
    .option("--before <date>", "delete events before this day or time (in --tz)")
    .option("--session <id>", "delete the events of this session")
    .option("--all", "delete every event")
    .option("--yes", "do not ask for confirmation (required when not on a terminal)")
    .option(
      "--tz <zone>",
      "time zone of --before (default: the timeZone setting, else the machine's)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage clear --before 2026-01-01\n  llmeter usage clear --session chat-42 --yes\n  llmeter usage clear --all --yes",
    )
    .action(async (flags: ClearFlags) => {
      const { filter, description } = clearFilter(flags, context);
      await withLedger(flags, context, { create: false }, async (store, location) => {
        const { totals } = await store.aggregate({ filter, timeZone: "UTC" });
        if (totals.totalRequests === 0) {
          await writeOut(context.stdout, `Nothing to delete: no events ${description}.\n`);
          return;
        }
        const question = `Delete ${formatInteger(totals.totalRequests)} events ${description} from ${location}?`;
        if (flags.yes !== true) {
          if (!context.stdinIsTTY)
            throw new CliUsageError(`${question} Not on a terminal, so pass --yes to confirm.`);
          if (!(await context.confirm(question))) {
            await writeOut(context.stdout, "Nothing deleted.\n");
            return;
          }
        }
        const deleted = await store.delete(filter);
        await writeOut(
          context.stdout,
          `Deleted ${formatInteger(deleted)} events ${description}.\n`,
        );
      });
    });
}

function clearFilter(
  flags: ClearFlags,
  context: CliContext,
): { filter: UsageFilter; description: string } {
  if (flags.all === true) {
    if (flags.before !== undefined || flags.session !== undefined)
      throw new CliUsageError(
        "--all deletes everything: do not combine it with --before or --session.",
      );
    return { filter: {}, description: "(all of them)" };
  }
  if (flags.before === undefined && flags.session === undefined)
    throw new CliUsageError(
      "Say what to delete: --before DATE, --session ID, or --all (everything).",
    );
  const filter: UsageFilter = {};
  const parts: string[] = [];
  if (flags.before !== undefined) {
    filter.untilMs = parseDateBound(flags.before, resolveTimeZone(flags, context), {
      flag: "--before",
    });
    parts.push(`before ${new Date(filter.untilMs).toISOString()}`);
  }
  if (flags.session !== undefined) {
    filter.sessionId = flags.session;
    parts.push(`of session ${flags.session}`);
  }
  return { filter, description: parts.join(" and ") };
}
