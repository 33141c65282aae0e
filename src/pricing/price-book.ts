/**
 * The price book: the catalog layers (custom > imported > curated > snapshot), model matching and
 * the cost calculation behind one object. The meter prices every event through one.
 */

import { consoleDiagnostics, Diagnostics, type DiagnosticsLogger } from "../meter/diagnostics.ts";
import type { PricedCost } from "../meter/types.ts";
import type { CostBreakdown, UsageEvent } from "../usage/usage-event.ts";
import { type CompiledPrices, compilePrices, computeCost, pricesAt } from "./calculate-cost.ts";
import { PROVIDER_SERVICE_TIERS } from "./catalog/curated.ts";
import { CATALOG_VERSION } from "./catalog/index.ts";
import { buildIndex, bundledLayers, exactIn, type LayerIndex, ruleIn } from "./catalog-index.ts";
import { completeCustomEntry, missingTokenUnits } from "./complete-custom-entry.ts";
import {
  canonicalProvider,
  detectProvider,
  type ParsedModelId,
  PROVIDER_FALLBACKS,
  parseModelId,
} from "./model-id.ts";
import { priceToolCalls } from "./price-tool-calls.ts";
import type {
  CostResult,
  PriceEntry,
  PriceMatch,
  PricingOptions,
  PricingUsage,
  ServiceTierName,
} from "./types.ts";

/** Options for `createPriceBook`. */
export interface PriceBookOptions {
  /** Entries that add to or override the catalog (highest precedence). */
  customPrices?: readonly PriceEntry[];
  /** Deployment names and other ids → `provider/model` or `model`, e.g. `{ "my-gpt4o-prod": "openai/gpt-4o" }`. */
  aliases?: Readonly<Record<string, string>>;
  /** Catalogs loaded from LiteLLM or genai-prices files (`loadPriceCatalog`); above the bundled layers. */
  imported?: readonly PriceEntry[];
  /** The version recorded on priced events. Default: the bundled `CATALOG_VERSION`. */
  catalogVersion?: string;
  /** Leave out the bundled catalog (only custom and imported prices). Default false. */
  bundled?: boolean;
  /** Where unknown models are reported, once each. Default: stderr. */
  diagnostics?: DiagnosticsLogger;
}

/** Prices calls. Create one with `createPriceBook`; `getDefaultPriceBook()` is shared. */
export interface PriceBook {
  /** The cost of one call, or `null` (and one diagnostic per model) when no price is known. */
  calculateCost(usage: PricingUsage, options: PricingOptions): CostResult | null;
  /** The meter's hook: prices a `UsageEvent` from its own fields. */
  priceEvent(event: UsageEvent): PricedCost | null;
  /** The entry a model id resolves to, or undefined. */
  findEntry(model: string, provider?: string): PriceEntry | undefined;
  /** Every entry, highest precedence first, overridden entries left out. */
  listEntries(): PriceEntry[];
  readonly catalogVersion: string;
}

interface Resolution {
  entry: PriceEntry;
  provider: string;
  /** The entry came from another provider's prices (Bedrock → Anthropic). */
  viaFallback: boolean;
  bedrockScope: ParsedModelId["bedrockScope"];
}

const MAX_CACHED_RESOLUTIONS = 20_000;
const SERVICE_TIER_NAMES: Readonly<Record<string, "standard" | ServiceTierName>> = {
  standard: "standard",
  default: "standard",
  auto: "standard",
  on_demand: "standard",
  "on-demand": "standard",
  scale: "standard",
  batch: "batch",
  flex: "flex",
  priority: "priority",
};
const TIER_INDEX: Readonly<Record<"standard" | ServiceTierName, number>> = {
  standard: 0,
  batch: 1,
  flex: 2,
  priority: 3,
};
/**
 * Creates a price book. Precedence: `customPrices` > `imported` > curated catalog > snapshot.
 *
 * @example
 * const book = createPriceBook({ aliases: { "my-gpt4o-prod": "openai/gpt-4o" } });
 * book.calculateCost({ inputTokens: 1000, outputTokens: 200 }, { provider: "azure", model: "my-gpt4o-prod" });
 */
export function createPriceBook(options: PriceBookOptions = {}): PriceBook {
  // Indexed on first use, so creating a meter stays cheap until it prices something.
  let indexedLayers: LayerIndex[] | undefined;
  let indexedBundled: LayerIndex[] | undefined;
  const allLayers = (): LayerIndex[] => {
    if (indexedLayers === undefined) {
      const below: LayerIndex[] = [];
      if (options.imported !== undefined && options.imported.length > 0)
        below.push(buildIndex("imported", options.imported));
      if (options.bundled !== false) below.push(...bundledLayers());
      const bundled = below.filter(
        (layer) => layer.layer === "curated" || layer.layer === "snapshot",
      );
      indexedBundled = bundled;
      // A custom entry takes the units it leaves out from the entry it overrides (decision 0023).
      const custom = (options.customPrices ?? []).map((entry) =>
        completeCustomEntry(
          entry,
          findInLayers(below, bundled, entry.provider, parseModelId(entry.model).candidates),
        ),
      );
      indexedLayers = custom.length > 0 ? [buildIndex("custom", custom), ...below] : below;
    }
    return indexedLayers;
  };
  const aliases = new Map<string, string>();
  for (const [from, to] of Object.entries(options.aliases ?? {}))
    aliases.set(from.trim().toLowerCase(), to.trim());
  const diagnostics = new Diagnostics(options.diagnostics ?? consoleDiagnostics);
  const resolutions = new Map<string, Map<string, Resolution | null>>();
  let cachedResolutions = 0;
  const compiledCache = new WeakMap<
    PriceEntry,
    Map<string, Array<CompiledPrices | null | undefined>>
  >();

  function resolveUncached(model: string, provider: string | undefined): Resolution | null {
    let modelId = model;
    const providerName =
      provider === undefined || provider.trim() === "" ? undefined : canonicalProvider(provider);
    const alias = aliases.get(model.trim().toLowerCase());
    if (alias !== undefined) {
      const slash = alias.indexOf("/");
      const aliasProvider = slash > 0 ? canonicalProvider(alias.slice(0, slash)) : undefined;
      // `provider/model` aliases name the price to use: Azure deployments bill OpenAI's prices.
      if (aliasProvider !== undefined && aliasProvider !== "openrouter") {
        modelId = alias.slice(slash + 1);
        const chainFirst =
          providerName === undefined ? [aliasProvider] : [providerName, aliasProvider];
        return search(parseModelId(modelId), chainFirst);
      }
      modelId = alias;
    }
    const parsed = parseModelId(modelId);
    const chain: string[] = [];
    if (providerName !== undefined) chain.push(providerName);
    if (parsed.providerHint !== undefined) chain.push(parsed.providerHint);
    // The model's own vendor comes before generic fallbacks: Claude on Vertex bills Anthropic's prices.
    const detected = detectProvider(modelId);
    if (detected !== undefined) chain.push(detected);
    const found = search(parsed, chain);
    if (found !== null || providerName !== undefined) return found;
    // No provider given or recognized: any provider's exact id, first-party lists first.
    for (const layer of allLayers()) {
      for (const candidate of parsed.candidates) {
        const entry = layer.anyProvider.get(candidate);
        if (entry !== undefined)
          return {
            entry,
            provider: entry.provider,
            viaFallback: false,
            bedrockScope: parsed.bedrockScope,
          };
      }
    }
    return null;
  }

  function search(parsed: ParsedModelId, start: string[]): Resolution | null {
    const chain: string[] = [];
    const push = (name: string) => {
      if (!chain.includes(name)) chain.push(name);
    };
    for (const name of start) push(name);
    for (const name of start)
      for (const fallback of (Object.hasOwn(PROVIDER_FALLBACKS, name)
        ? PROVIDER_FALLBACKS[name]
        : undefined) ?? [])
        push(fallback);
    const callProvider = chain[0];
    if (callProvider === undefined) return null;
    for (const [position, provider] of chain.entries()) {
      const entry = findIn(provider, parsed.candidates);
      if (entry !== undefined) {
        return {
          entry,
          provider: callProvider,
          viaFallback: position > 0 && provider !== callProvider,
          bedrockScope: parsed.bedrockScope,
        };
      }
    }
    return null;
  }

  // User layers (custom, imported) win outright. In the bundled layers the most specific id wins
  // (`ministral-8b-latest` before `ministral-8b`), curated before snapshot for the same id, and
  // exact ids before patterns.
  function findIn(provider: string, candidates: readonly string[]): PriceEntry | undefined {
    return findInLayers(allLayers(), indexedBundled ?? [], provider, candidates);
  }

  function findInLayers(
    layers: readonly LayerIndex[],
    bundled: readonly LayerIndex[],
    provider: string,
    candidates: readonly string[],
  ): PriceEntry | undefined {
    for (const layer of layers) {
      if (layer.layer !== "custom" && layer.layer !== "imported") continue;
      const entry = exactIn(layer, provider, candidates) ?? ruleIn(layer, provider, candidates);
      if (entry !== undefined) return entry;
    }
    for (const candidate of candidates) {
      for (const layer of bundled) {
        const entry = layer.exact.get(`${provider}\u0000${candidate}`);
        if (entry !== undefined) return entry;
      }
    }
    for (const layer of bundled) {
      const entry = ruleIn(layer, provider, candidates);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  // Two-level cache (provider, then model): no string building on the hot path.
  function resolve(model: string, provider: string | undefined): Resolution | null {
    const providerKey = provider ?? "";
    let byModel = resolutions.get(providerKey);
    if (byModel === undefined) {
      byModel = new Map();
      resolutions.set(providerKey, byModel);
    }
    let resolution = byModel.get(model);
    if (resolution === undefined) {
      if (cachedResolutions >= MAX_CACHED_RESOLUTIONS) {
        resolutions.clear();
        cachedResolutions = 0;
        byModel = new Map();
        resolutions.set(providerKey, byModel);
      }
      resolution = resolveUncached(model, provider);
      byModel.set(model, resolution);
      cachedResolutions += 1;
    }
    return resolution;
  }

  function isRegional(resolution: Resolution, region: string | undefined): boolean {
    if (resolution.entry.regionalMultiplier === undefined || !resolution.viaFallback) return false;
    if (resolution.provider === "bedrock") {
      if (resolution.bedrockScope !== undefined) return resolution.bedrockScope === "regional";
      return region !== undefined && region !== "global";
    }
    if (resolution.provider === "vertex")
      return region !== undefined && region.toLowerCase() !== "global";
    return false;
  }

  function compiled(
    entry: PriceEntry,
    atIso: () => string,
    tier: "standard" | ServiceTierName,
    regional: boolean,
    provider: string,
  ): CompiledPrices | null {
    let period = 0;
    if (entry.dated !== undefined) {
      // ISO 8601 UTC strings of one length compare like the instants they name: no parsing.
      const at = atIso();
      for (const [position, from] of changeInstants(entry).entries())
        if (from <= at) period = position + 1;
    }
    let byProvider = compiledCache.get(entry);
    if (byProvider === undefined) {
      byProvider = new Map();
      compiledCache.set(entry, byProvider);
    }
    let byKey = byProvider.get(provider);
    if (byKey === undefined) {
      byKey = [];
      byProvider.set(provider, byKey);
    }
    const key = period * 8 + TIER_INDEX[tier] * 2 + (regional ? 1 : 0);
    let prices = byKey[key];
    if (prices === undefined) {
      const periodPrices =
        period === 0 ? entry : pricesAt(entry, Date.parse(entry.dated?.[period - 1]?.from ?? ""));
      const defaults = PROVIDER_SERVICE_TIERS[provider] ?? PROVIDER_SERVICE_TIERS[entry.provider];
      prices =
        compilePrices(
          periodPrices,
          tier,
          regional ? (entry.regionalMultiplier ?? 1) : 1,
          defaults,
        ) ?? null;
      byKey[key] = prices;
    }
    return prices;
  }

  function calculate(
    usage: PricingUsage,
    model: string,
    provider: string | undefined,
    serviceTier: string | undefined,
    region: string | undefined,
    atIso: () => string,
  ): Priced | typeof INCOMPLETE | null {
    const resolution = resolve(model, provider);
    if (resolution === null) return null;
    const { entry } = resolution;
    let tier =
      serviceTier === undefined
        ? "standard"
        : (SERVICE_TIER_NAMES[serviceTier] ?? SERVICE_TIER_NAMES[serviceTier.toLowerCase()]);
    if (tier === undefined) {
      diagnostics.once(
        `service-tier:${serviceTier}`,
        "warn",
        `unknown service tier "${serviceTier}"; priced at standard rates. Known tiers: standard, batch, flex, priority`,
      );
      tier = "standard";
    }
    const regional = isRegional(resolution, region);
    let prices = compiled(entry, atIso, tier, regional, resolution.provider);
    if (prices === null) {
      diagnostics.once(
        `no-tier-price:${entry.id}:${tier}`,
        "warn",
        `no ${tier} price for ${entry.id}; priced at standard rates. Add a "serviceTiers" price in your price file if it differs`,
      );
      tier = "standard";
      prices = compiled(entry, atIso, "standard", regional, resolution.provider);
      if (prices === null) return null;
    }
    if (entry.layer === "custom" && !coversUsage(entry, tier, atIso, usage)) return INCOMPLETE;
    const { nano, breakdown, longContext } = computeCost(prices, usage);
    const tools = toolFees(usage, resolution.provider, entry);
    if (tools !== undefined) breakdown.tools = tools / 1e9;
    return {
      nano: nano + (tools ?? 0),
      breakdown,
      longContext,
      tier,
      regional,
      entry,
      provider: resolution.provider,
    };
  }

  // Tool fees are added to the token cost; a tool without a verified price is warned about once
  // (its part is missing from the cost, never a silent $0).
  function toolFees(usage: PricingUsage, provider: string, entry: PriceEntry): number | undefined {
    const cost = priceToolCalls(usage.toolCalls, provider, entry.model, entry.toolFees);
    if (cost === undefined) return undefined;
    for (const tool of cost.unpriced) {
      diagnostics.once(
        `unpriced-tool:${provider}:${tool}`,
        "warn",
        `no verified price for ${provider} tool "${tool}"; its fees are missing from the cost of calls that use it (see "Tool and request fees" in docs/pricing.md)`,
      );
    }
    return cost.priced > 0 ? cost.nano : undefined;
  }

  // A custom entry without a catalog entry under it may leave out a unit the call uses: then the
  // call is unpriced (one warning per entry and unit), never billed $0 for that unit.
  function coversUsage(
    entry: PriceEntry,
    tier: "standard" | ServiceTierName,
    atIso: () => string,
    usage: PricingUsage,
  ): boolean {
    const period = pricesAt(entry, Date.parse(atIso()));
    const prices =
      tier === "standard" ? period.prices : (period.serviceTiers?.[tier]?.prices ?? period.prices);
    const missing = missingTokenUnits(prices, usage);
    if (missing.length === 0) return true;
    const units = missing.map((unit) => `"${unit}"`).join(" and ");
    diagnostics.once(
      `incomplete-price:${entry.id}:${tier}:${missing.join(",")}`,
      "warn",
      `the custom price for ${entry.id} has no ${units} price${tier === "standard" ? "" : ` (${tier} tier)`} and no catalog entry to take it from; calls that use it are left unpriced. Add ${missing.map((unit) => `"${unit}": <USD per million tokens>`).join(", ")} to its "prices" in ${entry.source} (0 for free)`,
    );
    return false;
  }

  function reportUnknown(model: string, provider: string | undefined): void {
    const name = provider === undefined ? model : `${provider}/${model}`;
    diagnostics.once(
      `unknown-model:${name}`,
      "warn",
      `no price known for model "${model}"${provider === undefined ? "" : ` (provider "${provider}")`}; its cost is left empty. Add it to a price file (LLMETER_PRICES, see docs/pricing.md) or map it with an alias`,
    );
  }

  const catalogVersion = options.catalogVersion ?? CATALOG_VERSION;
  return {
    catalogVersion,
    calculateCost(usage, options) {
      const at = options.at;
      const atIso = () => toIsoInstant(at === undefined ? Date.now() : at);
      const result = calculate(
        usage,
        options.model,
        options.provider,
        options.serviceTier,
        options.region,
        atIso,
      );
      if (result === INCOMPLETE) return null;
      if (result === null) {
        reportUnknown(options.model, options.provider);
        return null;
      }
      const { entry } = result;
      return {
        costUsd: result.nano / 1e9,
        costNanoUsd: result.nano,
        breakdown: result.breakdown,
        currency: "USD",
        serviceTier: result.tier,
        regional: result.regional,
        longContext: result.longContext,
        matched: {
          provider: result.provider,
          model: entry.model,
          entryId: entry.id,
          source: sourceOf(entry),
          layer: entry.layer ?? "curated",
          catalogVersion,
          sourceUrl: entry.source,
          checkedAt: entry.checkedAt,
        },
      };
    },
    priceEvent(event) {
      const atIso = () => toIsoInstant(event.timestamp);
      let result: Priced | typeof INCOMPLETE | null = null;
      if (event.responseModel !== undefined && event.responseModel !== event.model) {
        result = calculate(
          event,
          event.responseModel,
          event.provider,
          event.serviceTier,
          event.region,
          atIso,
        );
      }
      result ??= calculate(
        event,
        event.model,
        event.provider,
        event.serviceTier,
        event.region,
        atIso,
      );
      if (result === INCOMPLETE) return null;
      if (result === null) {
        reportUnknown(event.model, event.provider);
        return null;
      }
      return {
        costUsd: result.nano / 1e9,
        breakdown: result.breakdown,
        source: sourceOf(result.entry),
        entryId: result.entry.id,
        catalogVersion,
      };
    },
    findEntry(model, provider) {
      return resolve(model, provider)?.entry;
    },
    listEntries() {
      const seen = new Set<string>();
      const result: PriceEntry[] = [];
      for (const layer of allLayers()) {
        for (const entry of layer.entries) {
          const key = `${entry.provider}\u0000${entry.model}`;
          if (seen.has(key)) continue;
          seen.add(key);
          result.push(entry);
        }
      }
      return result;
    },
  };
}

/** A custom entry matched but leaves out a unit the call uses; already reported. */
const INCOMPLETE = Symbol("incomplete price entry");

/** A cost before it is shaped for `calculateCost` or `priceEvent`. */
interface Priced {
  nano: number;
  breakdown: CostBreakdown;
  longContext: boolean;
  tier: "standard" | ServiceTierName;
  regional: boolean;
  entry: PriceEntry;
  provider: string;
}

function sourceOf(entry: PriceEntry): PriceMatch["source"] {
  return entry.layer === "custom" ? "custom" : entry.layer === "imported" ? "imported" : "catalog";
}

const changeInstantCache = new WeakMap<PriceEntry, string[]>();

// The instants of an entry's dated changes as ISO 8601 UTC strings, computed once.
function changeInstants(entry: PriceEntry): string[] {
  let instants = changeInstantCache.get(entry);
  if (instants === undefined) {
    instants = (entry.dated ?? []).map((change) => toIsoInstant(change.from));
    changeInstantCache.set(entry, instants);
  }
  return instants;
}

// `2026-11-01T12:00:00.000Z` as is (the event's normal form); anything else through Date.
function toIsoInstant(value: string | number | Date): string {
  if (typeof value === "string" && value.length === 24 && value[10] === "T" && value[23] === "Z")
    return value;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(ms) ? new Date().toISOString() : new Date(ms).toISOString();
}

let defaultBook: PriceBook | undefined;

/** The process-wide price book: the bundled catalog, no custom prices, diagnostics on stderr. */
export function getDefaultPriceBook(): PriceBook {
  defaultBook ??= createPriceBook();
  return defaultBook;
}

/**
 * Prices one call with the bundled catalog (the default price book): USD with its breakdown and
 * the entry that matched, or `null` for an unknown model (reported once per model).
 *
 * @example calculateCost({ inputTokens: 1000, cacheReadTokens: 800, outputTokens: 200 }, { model: "gpt-4o" })
 */
export function calculateCost(usage: PricingUsage, options: PricingOptions): CostResult | null {
  return getDefaultPriceBook().calculateCost(usage, options);
}
