import type { PriceBook } from "../pricing/price-book.ts";
import type { GroupBy, UsageFilter, UsageGroup } from "../stats/usage-stats.ts";
import type { UsageStore } from "./usage-store.ts";

/**
 * The models whose calls have no cost, told apart by what fixes them:
 * - `reprice`: the catalog (or the price file) has a price for the model now; its calls were
 *   stored without one (imported, recorded before the price existed, or with pricing off).
 *   `llmeter reprice` prices them.
 * - `price-file`: nobody prices the model. A price file entry does, from then on; `llmeter prices
 *   template` starts one whose prices cannot pass validation until they are filled in.
 */
export interface UnpricedModel {
  model: string;
  /** The providers its unpriced calls went to (a price entry names one). */
  providers: string[];
  requests: number;
  /** What fixes it (see the type's comment). */
  fix: "reprice" | "price-file";
  /** The entry the catalog or price file has for it (`fix: "reprice"`), else null. */
  priceEntryId: string | null;
  /** The command to run, ready to paste. */
  command: string;
}

/** The most unpriced models listed (one small rollup query each). */
export const UNPRICED_MODEL_LIMIT = 10;

/**
 * The models with unpriced calls in `filter`. `models` is the model breakdown when the caller
 * already has it; otherwise it is queried (only when `unpricedRequests` says there are any).
 */
export async function listUnpricedModels(
  store: UsageStore,
  options: {
    filter: UsageFilter;
    timeZone: string;
    book: Pick<PriceBook, "findEntry">;
    models?: readonly UsageGroup[];
  },
): Promise<UnpricedModel[]> {
  const aggregate = (filter: UsageFilter, groupBy: GroupBy) =>
    store
      .aggregate({ filter, groupBy: [groupBy], timeZone: options.timeZone })
      .then((result) => result.groupsBy[groupBy] ?? []);
  const models = options.models ?? (await aggregate(options.filter, "model"));
  const unpriced = models
    .filter((group) => group.unpricedRequests > 0)
    .slice(0, UNPRICED_MODEL_LIMIT);
  return Promise.all(
    unpriced.map(async (group) => {
      const providers = (await aggregate({ ...options.filter, model: group.key }, "provider"))
        .filter((provider) => provider.unpricedRequests > 0)
        .map((provider) => provider.key);
      const entry = providers
        .map((provider) => options.book.findEntry(group.key, provider))
        .find((found) => found !== undefined);
      const provider = providers[0];
      const providerFlag = provider === undefined ? "" : ` --provider ${shellWord(provider)}`;
      return {
        model: group.key,
        providers,
        requests: group.unpricedRequests,
        fix: entry === undefined ? "price-file" : "reprice",
        priceEntryId: entry?.id ?? null,
        command:
          entry === undefined
            ? `llmeter prices template ${shellWord(group.key)}${providerFlag} > prices.json`
            : `llmeter reprice --model ${shellWord(group.key)}${providerFlag}`,
      };
    }),
  );
}

/** A model or provider name as one shell word: quoted unless it is plainly safe. */
function shellWord(text: string): string {
  return /^[\w.:/@+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
