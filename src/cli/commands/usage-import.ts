import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatInteger } from "../format/numbers.ts";
import { withLedger } from "../open-ledger.ts";
import {
  detectImportFormat,
  type ImportFormat,
  readImportFile,
} from "../transfer/import-events.ts";
import { createProgress } from "../transfer/progress.ts";
import { addLedgerOption } from "../usage-query.ts";

const BATCH_SIZE = 5000;

interface ImportFlags {
  db?: string;
  format?: string;
  skipInvalid?: boolean;
  defaultTime?: string;
  keepCosts?: boolean;
  prices?: string;
}

/**
 * `llmeter usage import FILE`: validates every event first and imports nothing when one is bad
 * (unless `--skip-invalid`). Events already in the ledger (same id, and in SQLite same time) are
 * skipped, so importing a file twice is harmless. Events without an id get one from their content;
 * events without a timestamp get `--default-time`, else the earliest timestamp in the file
 * (decision 0022): the same file always gives the same events. Events without a cost are priced
 * from the catalog and price file, as the meter would have, unless `--keep-costs` (decision 0034).
 */
export function registerUsageImportCommand(usage: Command, context: CliContext): void {
  const command = usage
    .command("import")
    .description("add the events of a JSON or JSONL export to the ledger")
    .argument("<file>", "a file written by llmeter usage export (json or jsonl)");
  addLedgerOption(command)
    .option("--format <format>", "json or jsonl (default: from the extension or the content)")
    .option("--skip-invalid", "import the valid events and skip the bad ones")
    .option(
      "--default-time <time>",
      "time of events without a timestamp (default: the earliest timestamp in the file)",
    )
    .option(
      "--keep-costs",
      "store events without a cost unpriced (default: price them from the catalog and price file)",
    )
    .option("--prices <file>", "a custom price file (default: the prices setting, LLMETER_PRICES)")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage import usage.jsonl\n  llmeter usage import tokens-only.jsonl --keep-costs\n  llmeter usage import old.json --skip-invalid\n  llmeter usage import undated.jsonl --default-time 2026-11-01T00:00:00Z",
    )
    .action(async (file: string, flags: ImportFlags) => {
      const path = resolve(context.cwd, file);
      if (flags.format !== undefined && flags.format !== "json" && flags.format !== "jsonl")
        throw new CliUsageError(`--format "${flags.format}" is unknown. Use json or jsonl.`);
      const defaultTimeMs =
        flags.defaultTime === undefined ? undefined : parseTime(flags.defaultTime);
      if (!existsSync(path)) throw new CliError(`Cannot import ${path}: no such file.`);
      const format = (flags.format as ImportFormat | undefined) ?? (await detectImportFormat(path));

      // First pass: validate everything, so a bad line means nothing is written.
      const bad: string[] = [];
      let valid = 0;
      let undated = 0;
      let earliestMs = Number.POSITIVE_INFINITY;
      for await (const record of readImportFile(path, format)) {
        if (record.event === undefined)
          bad.push(`  ${record.where}: ${record.problems.join("; ")}`);
        else valid += 1;
        if (record.undated === true) undated += 1;
        else if (record.event !== undefined)
          earliestMs = Math.min(earliestMs, Date.parse(record.event.timestamp));
      }
      if (bad.length > 0 && flags.skipInvalid !== true) {
        throw new CliError(
          `${path} has ${formatInteger(bad.length)} invalid ${bad.length === 1 ? "event" : "events"}; nothing was imported.\n${bad.join("\n")}\nFix ${bad.length === 1 ? "it" : "them"}, or pass --skip-invalid to import the ${formatInteger(valid)} valid events.`,
        );
      }
      if (bad.length > 0)
        await writeOut(
          context.stderr,
          `Skipping ${formatInteger(bad.length)} invalid events:\n${bad.join("\n")}\n`,
        );

      // A time that depends on the file alone, never on when it is imported (decision 0022).
      const undatedTimeMs = defaultTimeMs ?? (Number.isFinite(earliestMs) ? earliestMs : undefined);
      if (undated > 0 && undatedTimeMs === undefined)
        throw new CliError(
          `${path}: ${formatInteger(undated)} ${undated === 1 ? "event has" : "events have"} no timestamp, and no event in the file has one to date ${undated === 1 ? "it" : "them"} by; nothing was imported.\nPass --default-time with the time they belong to (e.g. --default-time 2026-11-01T00:00:00Z); the same value on a later import finds them already there.`,
        );
      if (undated > 0 && undatedTimeMs !== undefined)
        await writeOut(
          context.stderr,
          `${formatInteger(undated)} ${undated === 1 ? "event has" : "events have"} no timestamp: recorded at ${new Date(undatedTimeMs).toISOString()} (${defaultTimeMs === undefined ? "the earliest time in the file; --default-time to choose another" : "--default-time"}).\n`,
        );

      // Loaded only here: the catalog is the heavy part of the CLI (see LIGHT_COMMANDS).
      const priceBook =
        flags.keepCosts === true
          ? undefined
          : (await import("./prices.ts")).priceBookFor(context, flags.prices);
      await withLedger(flags, context, { create: true }, async (store, location) => {
        const progress = createProgress(context.stderr, "Importing", context.now);
        let added = 0;
        let batch: UsageEvent[] = [];
        for await (const record of readImportFile(path, format, { undatedTimeMs, priceBook })) {
          if (record.event === undefined) continue;
          batch.push(record.event);
          if (batch.length === BATCH_SIZE) {
            added += await store.append(batch);
            progress.tick(batch.length);
            batch = [];
          }
        }
        if (batch.length > 0) {
          added += await store.append(batch);
          progress.tick(batch.length);
        }
        progress.done();
        const already = valid - added;
        await writeOut(
          context.stdout,
          `Imported ${formatInteger(added)} events into ${location}${already > 0 ? ` (${formatInteger(already)} already there, skipped)` : ""}${bad.length > 0 ? ` (${formatInteger(bad.length)} invalid skipped)` : ""}.\n`,
        );
      });
    });
}

/** `--default-time`: an ISO 8601 date or date-time (a date alone is midnight UTC). */
function parseTime(text: string): number {
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())
    ? Date.parse(text.trim())
    : Number.NaN;
  if (Number.isNaN(time))
    throw new CliUsageError(
      `--default-time "${text}" is not a date. Use an ISO 8601 time such as 2026-11-01T00:00:00Z or a date such as 2026-11-01.`,
    );
  return time;
}
