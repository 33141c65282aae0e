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
}

/**
 * `llmeter usage import FILE`: validates every event first and imports nothing when one is bad
 * (unless `--skip-invalid`). Events already in the ledger (same id, and in SQLite same time) are
 * skipped, so importing a file twice is harmless.
 */
export function registerUsageImportCommand(usage: Command, context: CliContext): void {
  const command = usage
    .command("import")
    .description("add the events of a JSON or JSONL export to the ledger")
    .argument("<file>", "a file written by llmeter usage export (json or jsonl)");
  addLedgerOption(command)
    .option("--format <format>", "json or jsonl (default: from the extension or the content)")
    .option("--skip-invalid", "import the valid events and skip the bad ones")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage import usage.jsonl\n  llmeter usage import old.json --skip-invalid",
    )
    .action(async (file: string, flags: ImportFlags) => {
      const path = resolve(context.cwd, file);
      if (flags.format !== undefined && flags.format !== "json" && flags.format !== "jsonl")
        throw new CliUsageError(`--format "${flags.format}" is unknown. Use json or jsonl.`);
      if (!existsSync(path)) throw new CliError(`Cannot import ${path}: no such file.`);
      const format = (flags.format as ImportFormat | undefined) ?? (await detectImportFormat(path));

      // First pass: validate everything, so a bad line means nothing is written.
      const bad: string[] = [];
      let valid = 0;
      for await (const record of readImportFile(path, format)) {
        if (record.event === undefined)
          bad.push(`  ${record.where}: ${record.problems.join("; ")}`);
        else valid += 1;
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

      await withLedger(flags, context, { create: true }, async (store, location) => {
        const progress = createProgress(context.stderr, "Importing", context.now);
        let added = 0;
        let batch: UsageEvent[] = [];
        for await (const record of readImportFile(path, format)) {
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
