/**
 * The bundled catalog: the curated layer and the generated snapshot layer, with its version.
 * Works offline: both layers ship inside the package.
 */

import type { PriceEntry } from "../types.ts";
import { CURATED_ENTRIES } from "./curated.ts";
import { MOVING_ALIASES } from "./moving-aliases.ts";
import snapshot from "./snapshot.json" with { type: "json" };

/** The catalog version: bumped whenever curated prices or the snapshot change. */
export const CATALOG_VERSION = `2026.12.08+${snapshot.upstreamVersion}`;

/** Where the snapshot layer came from, for attribution. */
export const SNAPSHOT_INFO = {
  upstream: snapshot.upstream,
  upstreamVersion: snapshot.upstreamVersion,
  license: snapshot.license,
  generatedAt: snapshot.generatedAt,
} as const;

/** The curated entries, each marked with its layer. */
export function curatedEntries(): PriceEntry[] {
  return CURATED_ENTRIES.map((entry) => withMovingAliases({ ...entry, layer: "curated" }));
}

/** The snapshot entries, each marked with its layer. */
export function snapshotEntries(): PriceEntry[] {
  return (snapshot.entries as unknown as PriceEntry[]).map((entry) =>
    withMovingAliases({ ...entry, layer: "snapshot" }),
  );
}

/**
 * `entry` with the moving aliases (moving-aliases.ts) that point to its model. Applied to the
 * bundled layers and to a fetched catalog, so an alias follows its target's newest price.
 */
export function withMovingAliases(entry: PriceEntry): PriceEntry {
  const pointing = MOVING_ALIASES.filter(
    (alias) => alias.provider === entry.provider && alias.target === entry.model,
  );
  if (pointing.length === 0) return entry;
  return { ...entry, aliases: [...(entry.aliases ?? []), ...pointing.map((alias) => alias.alias)] };
}
