import type { Command } from "commander";
import {
  type RepriceCounts,
  type RepriceSummary,
  repriceLedger,
} from "../../store/reprice-ledger.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatInteger, formatUsd } from "../format/numbers.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { withLedger } from "../open-ledger.ts";
import { createProgress } from "../transfer/progress.ts";
import { addQueryOptions, type QueryFlags, resolveQuery } from "../usage-query.ts";
import { priceBookFor } from "./prices.ts";

/** Version of the `reprice --json` shape. */
const SCHEMA_VERSION = 1;

interface RepriceFlags extends QueryFlags {
  dryRun?: boolean;
  prices?: string;
  batchSize?: string;
}

/**
 * `llmeter reprice`: recomputes the costs of stored events from the current catalog and price
 * file, leaving costs from the provider or the caller alone. `--dry-run` shows old and new totals
 * per model and writes nothing.
 */
export function registerRepriceCommand(program: Command, context: CliContext): void {
  const command = program
    .command("reprice")
    .description(
      "recompute the costs of stored events from the current catalog and price file (not provider or manual costs)",
    );
  addQueryOptions(command, { session: false })
    .option("--prices <file>", "a custom price file (default: the prices setting, LLMETER_PRICES)")
    .option("--dry-run", "print old and new totals per model; write nothing")
    .option("--batch-size <n>", "events written per transaction (default 5000)")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter reprice --dry-run\n  llmeter reprice --period 30d --provider openai\n  llmeter reprice --since 2026-11-01 --model gpt-4o-mini --prices prices.json",
    )
    .action(async (flags: RepriceFlags) => {
      const batchSize = flags.batchSize === undefined ? undefined : Number(flags.batchSize);
      if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
        throw new CliUsageError(
          `--batch-size must be a whole number of events >= 1, got "${flags.batchSize}".`,
        );
      const book = priceBookFor(context, flags.prices);
      await withLedger(flags, context, { create: false }, async (store, location) => {
        if (flags.dryRun !== true && store.updateCosts === undefined)
          throw new CliError(`The ledger ${location} cannot update stored costs.`);
        const query = await resolveQuery(flags, context, store);
        const progress = createProgress(context.stderr, "Repricing", context.now);
        let shown = 0;
        const summary = await repriceLedger(store, {
          filter: query.filter,
          book,
          dryRun: flags.dryRun === true,
          repricedAt: new Date(context.now()).toISOString(),
          ...(batchSize === undefined ? {} : { batchSize }),
          onProgress: (read) => {
            progress.tick(read - shown);
            shown = read;
          },
        });
        progress.done();
        if (flags.json === true) {
          await writeOut(
            context.stdout,
            toJsonText({
              schemaVersion: SCHEMA_VERSION,
              period: query.period,
              filters: query.filters,
              catalogVersion: book.catalogVersion,
              ...summaryJson(summary),
            }),
          );
          return;
        }
        await writeOut(context.stdout, summaryText(summary, location, context));
      });
    });
}

function usd(nanoUsd: number): number {
  return nanoUsd / 1e9;
}

function summaryJson(summary: RepriceSummary) {
  const counts = (part: RepriceCounts) => ({
    events: part.events,
    repriced: part.repriced,
    kept: part.kept,
    unpriced: part.unpriced,
    oldCostUsd: usd(part.oldCostNanoUsd),
    newCostUsd: usd(part.newCostNanoUsd),
  });
  return {
    dryRun: summary.dryRun,
    totals: counts(summary),
    models: summary.models.map((model) => ({
      provider: model.provider,
      model: model.model,
      ...counts(model),
    })),
  };
}

function summaryText(summary: RepriceSummary, location: string, context: CliContext): string {
  if (summary.events === 0) return `No events in the filters in ${location}; nothing to reprice.\n`;
  const { colors } = layoutFor(context);
  const cells = (label: string, part: RepriceCounts) => [
    label,
    ...[part.events, part.repriced, part.kept, part.unpriced].map(formatInteger),
    formatUsd(usd(part.oldCostNanoUsd)),
    formatUsd(usd(part.newCostNanoUsd)),
  ];
  const rows = summary.models.map((model) => cells(`${model.provider}/${model.model}`, model));
  const table = renderTable(
    [
      { title: "Model" },
      { title: "Events", align: "right" },
      { title: summary.dryRun ? "Would reprice" : "Repriced", align: "right" },
      { title: "Kept", align: "right" },
      { title: "No price", align: "right" },
      { title: "Old cost", align: "right" },
      { title: "New cost", align: "right" },
    ],
    rows,
    colors,
    {
      footer: cells("Total", summary),
    },
  );
  const notes = [
    summary.dryRun
      ? `Dry run: nothing was written. Run without --dry-run to reprice ${formatInteger(summary.repriced)} events.`
      : `Repriced ${formatInteger(summary.repriced)} events in ${location}.`,
  ];
  if (summary.kept > 0)
    notes.push(
      `${formatInteger(summary.kept)} events keep the cost the provider or the caller gave them.`,
    );
  if (summary.unpriced > 0)
    notes.push(
      `${formatInteger(summary.unpriced)} events have no known price; add their models to a price file (docs/pricing.md) and run llmeter reprice again.`,
    );
  return `${table}\n${notes.join("\n")}\n`;
}
