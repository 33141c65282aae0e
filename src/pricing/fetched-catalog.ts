/**
 * The fetched catalog: prices downloaded by `llmeter prices update`, stored under `.llmeter/`
 * next to the config file and used between custom prices and the bundled catalog.
 * Nothing here touches the network; reading is offline.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Environment } from "../config/environment.ts";
import { CONFIG_FILE, configFilePath } from "../config/resolve-config.ts";
import { CATALOG_VERSION, withMovingAliases } from "./catalog/index.ts";
import { PriceFileError } from "./custom-prices.ts";
import type { PriceEntry } from "./types.ts";

/** Version of the stored file's shape. */
export const FETCHED_CATALOG_SCHEMA = 1;

/** The file name under `.llmeter/`. */
export const FETCHED_CATALOG_FILE = "prices-catalog.json";

/** One source a fetched catalog was built from. */
export interface FetchedSourceInfo {
  format: "genai-prices" | "litellm";
  url: string;
  /** SHA-256 of the downloaded bytes (hex), so two fetches of the same data compare equal. */
  sha256: string;
  models: number;
}

/** What `prices update` writes. */
export interface FetchedCatalog {
  schemaVersion: number;
  /** `fetched-<fetchedAt date>+<first 12 hex of the sources' hashes>`. */
  version: string;
  fetchedAt: string;
  sources: FetchedSourceInfo[];
  entries: PriceEntry[];
}

/** Where the fetched catalog lives: beside the config file (`.llmeter/` under `cwd` by default). */
export function fetchedCatalogPath(env: Environment, cwd: string): string {
  const config = configFilePath(env, cwd);
  return join(
    config === undefined ? dirname(resolve(cwd, CONFIG_FILE)) : dirname(config),
    FETCHED_CATALOG_FILE,
  );
}

/**
 * Reads the fetched catalog, or undefined when none was fetched. Throws a `PriceFileError` naming
 * the file and the fix when it is unreadable (it is written atomically, so this means a hand edit).
 */
export function readFetchedCatalog(path: string): FetchedCatalog | undefined {
  if (!existsSync(path)) return undefined;
  let data: Partial<FetchedCatalog>;
  try {
    data = JSON.parse(readFileSync(path, "utf8")) as Partial<FetchedCatalog>;
  } catch (error) {
    throw new PriceFileError(
      `${path} (the fetched price catalog) is not valid JSON: ${(error as Error).message}. Run "llmeter prices update" again, or delete the file to use the bundled catalog.`,
    );
  }
  if (
    data.schemaVersion !== FETCHED_CATALOG_SCHEMA ||
    typeof data.version !== "string" ||
    !Array.isArray(data.entries)
  ) {
    throw new PriceFileError(
      `${path} (the fetched price catalog) has schemaVersion ${String(data.schemaVersion)}, expected ${FETCHED_CATALOG_SCHEMA} with "version" and "entries". Run "llmeter prices update" again, or delete the file to use the bundled catalog.`,
    );
  }
  return data as FetchedCatalog;
}

/**
 * The `createPriceBook` options for the fetched catalog (its entries as the `imported` layer, and
 * a catalog version naming both the bundled catalog and the fetch), or `{}` when nothing was fetched.
 */
export function fetchedPriceBookOptions(
  env: Environment,
  cwd: string,
): { imported?: PriceEntry[]; catalogVersion?: string } {
  const fetched = readFetchedCatalog(fetchedCatalogPath(env, cwd));
  if (fetched === undefined) return {};
  return {
    imported: fetched.entries.map(withMovingAliases),
    catalogVersion: `${CATALOG_VERSION}+${fetched.version}`,
  };
}
