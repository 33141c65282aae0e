import type { UsageFilter } from "../../stats/usage-stats.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { type CliOutput, writeOut } from "../cli-context.ts";
import { csvHeader, csvRow } from "./event-csv.ts";
import type { Progress } from "./progress.ts";

/** File formats `usage export` writes; `otlp` sends to a collector instead. */
export type FileExportFormat = "json" | "jsonl" | "csv";

/** The schema version of the JSON export document. */
export const EXPORT_SCHEMA_VERSION = 1;

// Events are written in chunks: one write per event is slow on large ledgers.
const CHUNK_EVENTS = 1000;

/**
 * Streams events to `output` in `format`, oldest first, without holding them all in memory.
 * - `json`: `{"schemaVersion":1,"exportedAt":...,"filters":{...},"events":[...]}`, one event per line;
 * - `jsonl`: one event per line;
 * - `csv`: a header, then one row per event (formula-injection safe).
 * Resolves with the number of events written.
 */
export async function exportEvents(
  events: AsyncIterable<UsageEvent>,
  output: CliOutput,
  options: {
    format: FileExportFormat;
    filters: Omit<UsageFilter, "sinceMs" | "untilMs"> & { since?: string; until?: string };
    exportedAt: string;
    progress: Progress;
  },
): Promise<number> {
  const { format } = options;
  if (format === "csv") await writeOut(output, csvHeader());
  if (format === "json") {
    const header = JSON.stringify({
      schemaVersion: EXPORT_SCHEMA_VERSION,
      exportedAt: options.exportedAt,
      filters: options.filters,
    });
    await writeOut(output, `${header.slice(0, -1)},"events":[`);
  }
  let count = 0;
  let chunk: string[] = [];
  for await (const event of events) {
    if (format === "csv") chunk.push(csvRow(event));
    else if (format === "jsonl") chunk.push(`${JSON.stringify(event)}\n`);
    else chunk.push(`${count === 0 ? "" : ","}\n${JSON.stringify(event)}`);
    count += 1;
    if (chunk.length === CHUNK_EVENTS) {
      await writeOut(output, chunk.join(""));
      options.progress.tick(chunk.length);
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    await writeOut(output, chunk.join(""));
    options.progress.tick(chunk.length);
  }
  if (format === "json") await writeOut(output, "\n]}\n");
  options.progress.done();
  return count;
}
