/**
 * The catalog index: each layer's entries by exact `provider` + id, its match rules by provider,
 * and by id alone (for calls without a provider). The bundled layers are indexed once per process.
 */

import { curatedEntries, snapshotEntries } from "./catalog/index.ts";
import { matchesRule } from "./match-rule.ts";
import type { PriceEntry, PriceLayer } from "./types.ts";

/** One layer of prices, indexed for lookups. */
export interface LayerIndex {
  layer: PriceLayer;
  exact: Map<string, PriceEntry>;
  rules: Map<string, PriceEntry[]>;
  /** Model id → entry, any provider; first-party providers first. */
  anyProvider: Map<string, PriceEntry>;
  entries: PriceEntry[];
}

// Providers whose own price lists come before aggregators when no provider is given.
const FIRST_PARTY = [
  "openai",
  "anthropic",
  "google",
  "mistral",
  "cohere",
  "deepseek",
  "xai",
  "perplexity",
];

/** Indexes `entries` as `layer`; the first entry for an id wins. */
export function buildIndex(layer: PriceLayer, entries: readonly PriceEntry[]): LayerIndex {
  const index: LayerIndex = {
    layer,
    exact: new Map(),
    rules: new Map(),
    anyProvider: new Map(),
    entries: [],
  };
  const ordered = [...entries].sort((a, b) => rank(a.provider) - rank(b.provider));
  for (const original of entries) {
    const entry = original.layer === layer ? original : { ...original, layer };
    index.entries.push(entry);
    for (const id of [entry.model, ...(entry.aliases ?? [])]) {
      const key = `${entry.provider}\u0000${id.toLowerCase()}`;
      if (!index.exact.has(key)) index.exact.set(key, entry);
    }
    if (entry.match !== undefined) {
      const list = index.rules.get(entry.provider) ?? [];
      list.push(entry);
      index.rules.set(entry.provider, list);
    }
  }
  for (const entry of ordered) {
    for (const id of [entry.model, ...(entry.aliases ?? [])]) {
      const key = id.toLowerCase();
      if (!index.anyProvider.has(key))
        index.anyProvider.set(key, index.exact.get(`${entry.provider}\u0000${key}`) ?? entry);
    }
  }
  return index;
}

/** The entry for the first candidate id with an exact entry of `provider`. */
export function exactIn(
  layer: LayerIndex,
  provider: string,
  candidates: readonly string[],
): PriceEntry | undefined {
  for (const candidate of candidates) {
    const entry = layer.exact.get(`${provider}\u0000${candidate}`);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

/** The first of `provider`'s pattern entries matching a candidate, most specific candidate first. */
export function ruleIn(
  layer: LayerIndex,
  provider: string,
  candidates: readonly string[],
): PriceEntry | undefined {
  const rules = layer.rules.get(provider);
  if (rules === undefined) return undefined;
  for (const candidate of candidates) {
    for (const entry of rules) {
      if (entry.match !== undefined && matchesRule(entry.match, candidate)) return entry;
    }
  }
  return undefined;
}

function rank(provider: string): number {
  const at = FIRST_PARTY.indexOf(provider);
  return at === -1 ? FIRST_PARTY.length : at;
}

let bundledIndexes: LayerIndex[] | undefined;

// The bundled layers are indexed once per process and shared by every price book.
export function bundledLayers(): LayerIndex[] {
  bundledIndexes ??= [
    buildIndex("curated", curatedEntries()),
    buildIndex("snapshot", snapshotEntries()),
  ];
  return bundledIndexes;
}
