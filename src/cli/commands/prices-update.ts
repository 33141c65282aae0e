import type { Command } from "commander";
import { PriceFileError } from "../../pricing/custom-prices.ts";
import { type CatalogDiff, diffCatalog } from "../../pricing/diff-catalog.ts";
import {
  DEFAULT_SOURCE_URLS,
  type DownloadFormat,
  type DownloadSource,
  downloadCatalog,
} from "../../pricing/download-catalog.ts";
import {
  type FetchedCatalog,
  fetchedCatalogPath,
  readFetchedCatalog,
} from "../../pricing/fetched-catalog.ts";
import type { PriceBook } from "../../pricing/price-book.ts";
import type { CliContext } from "../cli-context.ts";
import { writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { toJsonText } from "../format/text-layout.ts";
import { writeFileAtomically } from "../transfer/atomic-file.ts";

type UpdateContext = Pick<CliContext, "stdout" | "stderr" | "env" | "cwd"> & { now?: () => number };

const FORMATS = Object.keys(DEFAULT_SOURCE_URLS) as DownloadFormat[];
const DEFAULT_TIMEOUT_MS = 30_000;

interface UpdateFlags {
  source?: string[];
  url?: string[];
  timeout: number;
  json?: boolean;
}

/** The sources a run fetches: `--source` picks formats (default all), `--url format=url` replaces a URL. */
function sourcesOf(flags: UpdateFlags): DownloadSource[] {
  const urls: Record<string, string> = { ...DEFAULT_SOURCE_URLS };
  const picked = new Set<DownloadFormat>();
  for (const value of flags.url ?? []) {
    const equals = value.indexOf("=");
    const format = value.slice(0, equals) as DownloadFormat;
    if (equals < 0 || !FORMATS.includes(format)) {
      throw new CliUsageError(
        `--url must be <format>=<url> with format one of ${FORMATS.join(", ")}, got "${value}"`,
      );
    }
    urls[format] = value.slice(equals + 1);
    picked.add(format);
  }
  for (const format of flags.source ?? []) {
    if (!FORMATS.includes(format as DownloadFormat)) {
      throw new CliUsageError(`--source must be one of ${FORMATS.join(", ")}, got "${format}"`);
    }
    picked.add(format as DownloadFormat);
  }
  const formats = picked.size > 0 ? FORMATS.filter((format) => picked.has(format)) : FORMATS;
  return formats.map((format) => ({ format, url: urls[format] ?? "" }));
}

function timeoutOf(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new CliUsageError(`--timeout must be a positive number of milliseconds, got "${value}"`);
  }
  return number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `llmeter prices update|diff`: fetch a newer catalog into `.llmeter/`, or show what it would change. */
export function registerPricesUpdateCommands(
  prices: Command,
  context: UpdateContext,
  currentBook: () => PriceBook,
): void {
  const withFetchOptions = (command: Command) =>
    command
      .option(
        "--source <format>",
        `fetch only this source (${FORMATS.join(", ")}); repeatable`,
        collect,
      )
      .option("--url <format=url>", "fetch this format from another URL; repeatable", collect)
      .option(
        "--timeout <ms>",
        "give up on a source after this long",
        timeoutOf,
        DEFAULT_TIMEOUT_MS,
      )
      .option("--json", "print as JSON");

  // Downloads, validates and compares; a failure says which URL and why, and changes nothing.
  const fetchAndCompare = async (flags: UpdateFlags) => {
    const path = fetchedCatalogPath(context.env, context.cwd);
    try {
      const previous = readFetchedCatalog(path);
      const next = await downloadCatalog(sourcesOf(flags), {
        timeoutMs: flags.timeout,
        now: new Date(context.now?.() ?? Date.now()),
      });
      return {
        path,
        previous,
        next,
        diff: diffCatalog(currentBook(), previous?.entries ?? [], next.entries),
      };
    } catch (error) {
      if (PriceFileError.isInstance(error)) {
        throw new CliError(`prices not updated: ${error.message}`);
      }
      throw error;
    }
  };

  withFetchOptions(
    prices
      .command("update")
      .description(
        `fetch current prices (genai-prices and LiteLLM) into .llmeter/; used between custom prices and the bundled catalog`,
      ),
  ).action(async (flags: UpdateFlags) => {
    const { path, next, diff } = await fetchAndCompare(flags);
    const text = `${JSON.stringify(next)}\n`;
    await writeFileAtomically(path, async (output) => {
      output.write(text);
    });
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({ schemaVersion: 1, path, ...summary(next, diff) }),
      );
      return;
    }
    await writeOut(
      context.stdout,
      `Wrote ${next.entries.length} prices (${next.version}) to ${path}: ${counts(diff)}.\n`,
    );
  });

  withFetchOptions(
    prices.command("diff").description('show what "prices update" would change, writing nothing'),
  ).action(async (flags: UpdateFlags) => {
    const { next, diff } = await fetchAndCompare(flags);
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: 1,
          ...summary(next, diff),
          added: diff.added.map((entry) => ({ id: entry.id, prices: entry.prices })),
          changed: diff.changed.map(({ entry, previous, changes }) => ({
            id: entry.id,
            previous: previous.id,
            changes,
          })),
          removed: diff.removed.map((entry) => entry.id),
        }),
      );
      return;
    }
    await writeOut(context.stdout, renderDiff(next, diff));
  });
}

function summary(next: FetchedCatalog, diff: CatalogDiff) {
  return {
    version: next.version,
    fetchedAt: next.fetchedAt,
    sources: next.sources,
    models: next.entries.length,
    addedCount: diff.added.length,
    changedCount: diff.changed.length,
    removedCount: diff.removed.length,
  };
}

function counts(diff: CatalogDiff): string {
  return `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
}

function renderDiff(next: FetchedCatalog, diff: CatalogDiff): string {
  const lines = [
    `${next.version}: ${counts(diff)} (nothing written; run "llmeter prices update" to apply)`,
  ];
  for (const entry of diff.added) {
    lines.push(
      `+ ${entry.id}  input ${entry.prices.input ?? "-"}  output ${entry.prices.output ?? "-"} per 1M`,
    );
  }
  for (const { entry, changes } of diff.changed) {
    const parts = changes.map(
      (change) => `${change.unit} ${change.from ?? "-"} → ${change.to ?? "-"}`,
    );
    lines.push(`~ ${entry.id}  ${parts.join(", ")}`);
  }
  for (const entry of diff.removed) lines.push(`- ${entry.id}`);
  return `${lines.join("\n")}\n`;
}
