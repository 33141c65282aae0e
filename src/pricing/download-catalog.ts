/**
 * Downloads and validates catalogs for `llmeter prices update` / `prices diff`. Runs only when the
 * user asks: llmeter never fetches prices on its own (offline is the default).
 */

import { createHash } from "node:crypto";
import { PriceFileError } from "./custom-prices.ts";
import type { FetchedCatalog, FetchedSourceInfo } from "./fetched-catalog.ts";
import { FETCHED_CATALOG_SCHEMA } from "./fetched-catalog.ts";
import { loadPriceCatalog } from "./load-catalog.ts";
import type { PriceEntry } from "./types.ts";

/** A format `prices update` can read. */
export type DownloadFormat = FetchedSourceInfo["format"];

/** The public files fetched by default; each can be replaced with `--url <format>=<url>`. */
export const DEFAULT_SOURCE_URLS: Readonly<Record<DownloadFormat, string>> = {
  "genai-prices": "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json",
  litellm:
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
};

/** One source to download. */
export interface DownloadSource {
  format: DownloadFormat;
  url: string;
}

/** Options for `downloadCatalog`. */
export interface DownloadOptions {
  /** Milliseconds per source before giving up. */
  timeoutMs: number;
  /** The fetch date recorded in the file. */
  now: Date;
}

/**
 * Fetches every source, converts it with the importers and returns the merged catalog (earlier
 * sources win for the same entry id). Throws a `PriceFileError` with one message saying which URL
 * failed and why: timeout, HTTP status, truncated JSON, wrong schema, no prices.
 */
export async function downloadCatalog(
  sources: readonly DownloadSource[],
  options: DownloadOptions,
): Promise<FetchedCatalog> {
  const infos: FetchedSourceInfo[] = [];
  const byId = new Map<string, PriceEntry>();
  for (const source of sources) {
    const text = await fetchText(source.url, options.timeoutMs);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new PriceFileError(
        `${source.url} is not complete JSON (${(error as Error).message}); the download may have been cut off. Nothing was changed; try again later.`,
      );
    }
    let entries: PriceEntry[];
    try {
      entries = loadPriceCatalog({ format: source.format, data, name: source.url });
    } catch (error) {
      // The importers' messages start with the name given to them: the URL, already said here.
      const reason = (error as Error).message.replace(`${source.url}: `, "");
      throw new PriceFileError(
        `${source.url} is not a ${source.format} catalog: ${reason}. Nothing was changed; check --url.`,
      );
    }
    if (entries.length === 0) {
      throw new PriceFileError(
        `${source.url} has no priced models in ${source.format} format. Nothing was changed; check --url.`,
      );
    }
    const checkedAt = options.now.toISOString().slice(0, 10);
    for (const entry of entries) {
      if (!byId.has(entry.id)) byId.set(entry.id, { ...entry, checkedAt, layer: "imported" });
    }
    infos.push({
      format: source.format,
      url: source.url,
      sha256: createHash("sha256").update(text).digest("hex"),
      models: entries.length,
    });
  }
  const digest = createHash("sha256")
    .update(infos.map((info) => info.sha256).join(","))
    .digest("hex")
    .slice(0, 12);
  const fetchedAt = options.now.toISOString();
  return {
    schemaVersion: FETCHED_CATALOG_SCHEMA,
    version: `fetched-${fetchedAt.slice(0, 10)}+${digest}`,
    fetchedAt,
    sources: infos,
    entries: [...byId.values()],
  };
}

async function fetchText(url: string, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      throw new PriceFileError(
        `${url} answered HTTP ${response.status} ${response.statusText}. Nothing was changed; check --url.`,
      );
    }
    return await response.text();
  } catch (error) {
    if (PriceFileError.isInstance(error)) throw error;
    if (signal.aborted) {
      throw new PriceFileError(
        `${url} did not answer within ${timeoutMs} ms. Nothing was changed; try again, or raise --timeout.`,
      );
    }
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new PriceFileError(
      `${url} could not be fetched: ${(error as Error).message}${cause === undefined ? "" : ` (${cause})`}. Nothing was changed.`,
    );
  }
}
