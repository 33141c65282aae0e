import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { stripByteOrderMark } from "../../config/strip-byte-order-mark.ts";
import { normalizeUsageEvent } from "../../usage/normalize-usage-event.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";

/** File formats `usage import` reads. */
export type ImportFormat = "json" | "jsonl";

/** One parsed record of an import file and where it was. */
export interface ImportRecord {
  /** `line 12` for JSONL, `events[11]` for a JSON document. */
  where: string;
  /** The event, or why it was rejected. */
  event?: UsageEvent;
  problems: string[];
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

/**
 * The id of an imported event that has none: a hash of its content, so importing the same file
 * twice doesn't count its events twice.
 */
function contentId(value: unknown): string {
  return `import-${createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32)}`;
}

function toRecord(where: string, value: unknown): ImportRecord {
  const hasId =
    value !== null &&
    typeof value === "object" &&
    typeof (value as { id?: unknown }).id === "string";
  const input =
    hasId || value === null || typeof value !== "object"
      ? value
      : { ...value, id: contentId(value) };
  // Every problem normalizeUsageEvent reports is a real one (dropped, truncated or corrected
  // values, unknown fields); filling a missing id or timestamp is silent, so that is allowed.
  const { event, problems } = normalizeUsageEvent(input);
  return problems.length === 0 ? { where, event, problems } : { where, problems };
}

/**
 * Reads and validates every event of an import file, one at a time: JSONL line by line (memory
 * stays flat), a JSON document as a whole. Blank JSONL lines are skipped.
 */
export async function* readImportFile(
  path: string,
  format: ImportFormat,
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
      yield toRecord(`events[${index}]`, events[index]);
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
    yield toRecord(`line ${lineNumber}`, value);
  }
}
