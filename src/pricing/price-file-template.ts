import { canonicalProvider } from "./model-id.ts";

/** A model to start a price file entry for. */
export interface TemplateModel {
  /** Left as a placeholder to fill in when unknown. */
  provider?: string;
  model: string;
}

/**
 * A price file with one entry per model, to fill in. The prices are `null`, which the price file
 * validation refuses ("expected a price from 0 to ..., got null"), so a template nobody filled in
 * fails loudly instead of recording every call at a silent $0. `source` and `checkedAt` say what
 * to write there: the pricing page the numbers come from and the day they were read.
 */
export function priceFileTemplate(models: readonly TemplateModel[]): {
  prices: Array<{
    provider: string;
    model: string;
    prices: { input: null; output: null };
    source: string;
    checkedAt: string;
  }>;
} {
  return {
    prices: models.map((entry) => ({
      provider:
        entry.provider === undefined
          ? "<provider, e.g. openai>"
          : canonicalProvider(entry.provider),
      model: entry.model,
      prices: { input: null, output: null },
      source: "<URL of the provider's pricing page>",
      checkedAt: "<YYYY-MM-DD, the day you read it>",
    })),
  };
}
