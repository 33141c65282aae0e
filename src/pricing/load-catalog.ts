import { readFileSync } from "node:fs";
import { stripByteOrderMark } from "../config/strip-byte-order-mark.ts";
import { PriceFileError } from "./custom-prices.ts";
import { convertGenaiPrices } from "./import-genai-prices.ts";
import { convertLiteLlmPrices } from "./import-litellm.ts";
import { findPriceOutOfBounds } from "./price-bounds.ts";
import type { PriceEntry } from "./types.ts";

/** A community catalog to load: LiteLLM's `model_prices_and_context_window.json` or genai-prices' `data.json`. */
export type CatalogSource =
  | { format: "litellm" | "genai-prices"; path: string }
  | { format: "litellm" | "genai-prices"; data: unknown; name?: string };

/**
 * Loads a catalog in LiteLLM's or genai-prices' format as `imported` entries for `createPriceBook`.
 * Throws a `PriceFileError` naming the file, the model and the field on bad data, including a
 * price that is not finite, negative or above the bound of `price-bounds.ts`.
 *
 * @example
 * const imported = loadPriceCatalog({ format: "litellm", path: "model_prices_and_context_window.json" });
 * const book = createPriceBook({ imported });
 */
export function loadPriceCatalog(source: CatalogSource): PriceEntry[] {
  let data: unknown;
  let where: string;
  if ("path" in source) {
    where = source.path;
    try {
      data = JSON.parse(stripByteOrderMark(readFileSync(source.path, "utf8")));
    } catch (error) {
      throw new PriceFileError(
        `Cannot load ${source.format} catalog ${source.path}: ${(error as Error).message}`,
      );
    }
  } else {
    data = source.data;
    where = source.name ?? `${source.format} catalog`;
  }
  const checkedAt = new Date().toISOString().slice(0, 10);
  let entries: PriceEntry[];
  try {
    entries =
      source.format === "litellm"
        ? convertLiteLlmPrices(data, {
            where,
            checkedAt,
            source:
              "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
          })
        : convertGenaiPrices(data, { where, checkedAt, upstreamLabel: "genai-prices" }).entries.map(
            (entry) => ({ ...entry, layer: "imported" as const }),
          );
  } catch (error) {
    throw new PriceFileError((error as Error).message);
  }
  for (const entry of entries) {
    const bad = findPriceOutOfBounds(entry);
    if (bad === undefined) continue;
    const model = entry.upstream?.replace(/^[^:]*:/, "") ?? entry.id;
    throw new PriceFileError(
      `${where}: model "${model}", price ${bad.field}: ${bad.rule}, got ${String(bad.value)} (converted to llmeter's units). Fix or remove that price in the ${source.format} file.`,
    );
  }
  return entries;
}
