import { resolve } from "node:path";
import type { Command } from "commander";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatInteger } from "../format/numbers.ts";
import { withLedger } from "../open-ledger.ts";
import { writeFileAtomically } from "../transfer/atomic-file.ts";
import { exportEvents, type FileExportFormat } from "../transfer/export-events.ts";
import { exportFocus, type FocusExportResult } from "../transfer/focus-export.ts";
import { createProgress } from "../transfer/progress.ts";
import { addQueryOptions, type QueryFlags, resolveQuery } from "../usage-query.ts";

const FORMATS = ["json", "jsonl", "csv", "otlp", "focus"] as const;

interface ExportFlags extends QueryFlags {
  format: string;
  output?: string;
  endpoint?: string;
  protocol?: string;
}

// Events sent per exportOtlp call: bounded memory on large ledgers, and a progress step.
const OTLP_BATCH = 5000;

/** `llmeter usage export`: events to a JSON, JSONL, CSV or FOCUS file (or stdout), or to OTLP. */
export function registerUsageExportCommand(usage: Command, context: CliContext): void {
  const command = usage
    .command("export")
    .description("write the events in the filters to a file or stdout, or send them over OTLP");
  addQueryOptions(command)
    .option("--format <format>", `${FORMATS.join(", ")}`, "jsonl")
    .option("--output <file>", "write to this file (atomically) instead of stdout")
    .option(
      "--endpoint <url>",
      "OTLP/HTTP base URL for --format otlp (e.g. http://127.0.0.1:4318; /v1/traces and /v1/logs are added)",
    )
    .option("--protocol <protocol>", "OTLP protocol: http/protobuf (default), http/json or grpc")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage export --format jsonl --output usage.jsonl\n  llmeter usage export --format csv --period 7d > last-week.csv\n  llmeter usage export --format focus --period 30d --output focus.csv   (FinOps FOCUS 1.2, docs/finops.md)\n  llmeter usage export --format otlp --endpoint http://127.0.0.1:4318 --period 7d",
    )
    .action(async (flags: ExportFlags) => {
      if (!(FORMATS as readonly string[]).includes(flags.format))
        throw new CliUsageError(
          `--format "${flags.format}" is unknown. Use one of ${FORMATS.join(", ")}.`,
        );
      if (flags.format === "otlp") {
        await exportToOtlp(flags, context);
        return;
      }
      if (flags.endpoint !== undefined || flags.protocol !== undefined)
        throw new CliUsageError("--endpoint and --protocol only apply to --format otlp.");
      if (flags.format === "focus") {
        await exportToFocus(flags, context);
        return;
      }
      const format = flags.format as FileExportFormat;
      await withLedger(flags, context, { create: false }, async (store) => {
        const query = await resolveQuery(flags, context, store);
        const exportOptions = {
          format,
          filters: {
            ...query.filters,
            ...(query.period.since === undefined ? {} : { since: query.period.since }),
            ...(query.period.until === undefined ? {} : { until: query.period.until }),
          },
          exportedAt: new Date(context.now()).toISOString(),
          progress: createProgress(context.stderr, "Exporting", context.now),
        };
        if (flags.output === undefined) {
          await exportEvents(store.events(query.filter), context.stdout, exportOptions);
          return;
        }
        const path = resolve(context.cwd, flags.output);
        let count = 0;
        await writeFileAtomically(path, async (output) => {
          count = await exportEvents(store.events(query.filter), output, exportOptions);
        });
        await writeOut(
          context.stderr,
          `Exported ${formatInteger(count)} events to ${path} (${format}).\n`,
        );
      });
    });
}

/** `--format focus`: FinOps FOCUS cost rows (CSV) to stdout or, atomically, to `--output`. */
async function exportToFocus(flags: ExportFlags, context: CliContext): Promise<void> {
  await withLedger(flags, context, { create: false }, async (store) => {
    const query = await resolveQuery(flags, context, store);
    const progress = createProgress(context.stderr, "Exporting", context.now);
    let result: FocusExportResult;
    const path = flags.output === undefined ? undefined : resolve(context.cwd, flags.output);
    if (path === undefined)
      result = await exportFocus(store.events(query.filter), context.stdout, progress.tick);
    else {
      let written: FocusExportResult | undefined;
      await writeFileAtomically(path, async (output) => {
        written = await exportFocus(store.events(query.filter), output, progress.tick);
      });
      result = written as FocusExportResult;
    }
    progress.done();
    const target = path === undefined ? "" : ` to ${path}`;
    // Said every time: a FOCUS cost cannot be empty, so calls without a price are not in the file.
    const unpriced =
      result.unpriced === 0
        ? ""
        : ` ${formatInteger(result.unpriced)} unpriced ${result.unpriced === 1 ? "event was" : "events were"} left out (no cost to report; see "llmeter usage show").`;
    await writeOut(
      context.stderr,
      `Exported ${formatInteger(result.rows)} FOCUS rows from ${formatInteger(result.events)} events${target}.${unpriced}\n`,
    );
  });
}

/** `--format otlp`: the events as spans and log records to a collector, in batches. */
async function exportToOtlp(flags: ExportFlags, context: CliContext): Promise<void> {
  if (flags.endpoint === undefined)
    throw new CliUsageError(
      "--format otlp needs --endpoint, the OTLP base URL of your collector (e.g. http://127.0.0.1:4318, or http://127.0.0.1:4317 with --protocol grpc).",
    );
  if (flags.output !== undefined)
    throw new CliUsageError("--output does not apply to --format otlp, which sends to --endpoint.");
  const protocol = flags.protocol ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json" && protocol !== "grpc")
    throw new CliUsageError(
      `--protocol "${protocol}" is unknown. Use http/protobuf, http/json or grpc.`,
    );
  const endpoint = flags.endpoint;
  // Loaded only here: the OpenTelemetry packages are optional and slow to load.
  const { exportOtlp } = await import("../../otel/export-otlp.ts");
  await withLedger(flags, context, { create: false }, async (store) => {
    const query = await resolveQuery(flags, context, store);
    const progress = createProgress(context.stderr, "Sending", context.now);
    let spans = 0;
    let batch: UsageEvent[] = [];
    const send = async () => {
      try {
        spans += (await exportOtlp(batch, { endpoint, protocol })).spans;
      } catch (error) {
        throw new CliError(
          `${(error as Error).message.replace(/^llmeter: /, "")}. ${formatInteger(spans)} events were sent before the failure.`,
        );
      }
      progress.tick(batch.length);
      batch = [];
    };
    for await (const event of store.events(query.filter)) {
      batch.push(event);
      if (batch.length === OTLP_BATCH) await send();
    }
    if (batch.length > 0) await send();
    progress.done();
    await writeOut(
      context.stderr,
      `Sent ${formatInteger(spans)} events to ${endpoint} over OTLP (${protocol}) as spans and log records.\n`,
    );
  });
}
