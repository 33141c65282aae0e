import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { stripByteOrderMark } from "../../config/strip-byte-order-mark.ts";
import type { PriceBook } from "../../pricing/price-book.ts";
import { normalizeUsageEvent } from "../../usage/normalize-usage-event.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import { contentId } from "./content-id.ts";

/** File formats `usage import` reads. */
export type ImportFormat = "json" | "jsonl";

/** One parsed record of an import file and where it was. */
export interface ImportRecord {
  /** `line 12` for JSONL, `events[11]` for a JSON document. */
  where: string;
  /** The event, or why it was rejected. */
  event?: UsageEvent;
  problems: string[];
  /** The line had no timestamp: its event's time came from `ImportFillOptions.undatedTimeMs`. */
  undated?: true;
}

/** The format named by `--format`, else by the file extension, else by the first character. */
export async function detectImportFormat(path: string): Promise<ImportFormat> {
  if (/\.(jsonl|ndjson)$/i.test(path)) return "jsonl";
  if (/\.json$/i.test(path)) return "json";
  const stream = createReadStream(path, { encoding: "utf8", start: 0, end: 4095 });
  let head = "";
  for await (const piece of stream) head += piece;
  const trimmed = head.trimStart();
  if (trimmed.startsWith("[")) return "json";
  const firstLine = trimmed.split("\n", 1)[0] ?? "";
  try {
    const value = JSON.parse(firstLine) as unknown;
    return value !== null && typeof value === "object" && "events" in value ? "json" : "jsonl";
  } catch {
    // A pretty-printed document spreads its first object over several lines.
    return "json";
  }
}

/** How `readImportFile` fills what a line leaves out. */
export interface ImportFillOptions {
  /**
   * The time, in ms since the epoch, of events without a timestamp. Without it they get the
   * current time and are flagged `undated`: a first pass finds them, the command picks a time
   * (decision 0022) and reads the file again with it.
   */
  undatedTimeMs?: number;
  /**
   * Prices events the file gives no cost, as the meter would have (decision 0034). Events with a
   * cost keep it: it is the cost of record.
   */
  priceBook?: PriceBook;
}

// The meter's enrichment, for a call recorded elsewhere: cost, breakdown and provenance.
function priceMissingCost(event: UsageEvent, book: PriceBook): UsageEvent {
  if (event.costUsd !== undefined || event.priceSource === "provider") return event;
  const priced = book.priceEvent(event);
  if (priced === null) return event;
  const result: UsageEvent = {
    ...event,
    costUsd: priced.costUsd,
    costBreakdown: priced.breakdown,
    priceSource: priced.source,
  };
  if (priced.entryId !== undefined) result.priceEntryId = priced.entryId;
  if (priced.catalogVersion !== undefined) result.catalogVersion = priced.catalogVersion;
  return result;
}

function toRecord(where: string, value: unknown, fill: ImportFillOptions): ImportRecord {
  // normalizeUsageEvent reads an array as an object without fields, i.e. a clean empty event.
  if (Array.isArray(value)) return { where, problems: ["expected an event object, got an array"] };
  const fields =
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as { id?: unknown; timestamp?: unknown })
      : undefined;
  // An event without an id is named by its content, so the same line always gets the same id.
  const input =
    fields === undefined || (typeof fields.id === "string" && fields.id !== "")
      ? value
      : { ...fields, id: contentId(value) };
  const undated =
    fields !== undefined && (fields.timestamp === undefined || fields.timestamp === null);
  // Every problem normalizeUsageEvent reports is a real one (dropped, truncated or corrected
  // values, unknown fields); filling a missing id or timestamp is silent, so that is allowed.
  const { event, problems } = normalizeUsageEvent(input, { nowMs: fill.undatedTimeMs });
  if (problems.length > 0) return { where, problems };
  const filled = fill.priceBook === undefined ? event : priceMissingCost(event, fill.priceBook);
  return undated
    ? { where, event: filled, problems, undated: true }
    : { where, event: filled, problems };
}

/**
 * Reads and validates every event of an import file, one at a time: JSONL line by line (memory
 * stays flat), a JSON document as a whole. Blank JSONL lines are skipped.
 */
export async function* readImportFile(
  path: string,
  format: ImportFormat,
  fill: ImportFillOptions = {},
): AsyncGenerator<ImportRecord> {
  if (format === "json") {
    let document: unknown;
    try {
      document = JSON.parse(stripByteOrderMark(await readFile(path, "utf8")));
    } catch (error) {
      yield { where: "the file", problems: [`not valid JSON (${(error as Error).message})`] };
      return;
    }
    const events = Array.isArray(document)
      ? document
      : document !== null &&
          typeof document === "object" &&
          Array.isArray((document as { events?: unknown }).events)
        ? (document as { events: unknown[] }).events
        : undefined;
    if (events === undefined) {
      yield {
        where: "the file",
        problems: ['expected an array of events or an llmeter export document {"events": [...]}'],
      };
      return;
    }
    for (let index = 0; index < events.length; index++)
      yield toRecord(`events[${index}]`, events[index], fill);
    return;
  }
  const lines = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(lineNumber === 1 ? stripByteOrderMark(line) : line);
    } catch (error) {
      yield {
        where: `line ${lineNumber}`,
        problems: [`not valid JSON (${(error as Error).message})`],
      };
      continue;
    }
    yield toRecord(`line ${lineNumber}`, value, fill);
  }
}
