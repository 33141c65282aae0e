/**
 * The custom price file: a JSON file (path from the `prices` setting, `LLMETER_PRICES` or an option)
 * that adds or overrides catalog prices and maps deployment names to models. Validated with zod;
 * every error names the file, the entry and the field.
 */

import { readFileSync } from "node:fs";
import { z } from "zod";
import { stripByteOrderMark } from "../config/strip-byte-order-mark.ts";
import { TOOL_CALL_KEYS } from "../usage/usage-event.ts";
import { canonicalProvider } from "./model-id.ts";
import {
  MAX_PRICE_MULTIPLIER,
  MAX_UNIT_PRICE_USD,
  MULTIPLIER_RULE,
  UNIT_PRICE_RULE,
} from "./price-bounds.ts";
import type { PriceEntry } from "./types.ts";

// Finite, non-negative and bounded (price-bounds.ts): 1e303 would overflow the cost to Infinity.
const price = z
  .number({ error: UNIT_PRICE_RULE })
  .min(0, { error: UNIT_PRICE_RULE })
  .max(MAX_UNIT_PRICE_USD, { error: UNIT_PRICE_RULE });
const multiplier = z
  .number({ error: MULTIPLIER_RULE })
  .gt(0, { error: MULTIPLIER_RULE })
  .max(MAX_PRICE_MULTIPLIER, { error: MULTIPLIER_RULE });

const unitPrices = z
  .object({
    input: price,
    cacheRead: price,
    cacheWrite: price,
    cacheWrite1h: price,
    output: price,
    reasoning: price,
    audioInput: price,
    audioOutput: price,
    audioInputMinute: price,
    image: price,
    request: price,
    page: price,
    characters: price,
  })
  .partial()
  .strict();

const NO_UNIT =
  'names no unit; give at least one price, e.g. {"input": 2.5, "output": 10} in USD per million tokens (units left out are taken from the catalog entry this one overrides)';

// An entry's own prices must name at least one unit: `{}` would price every call at $0.
const entryPrices = unitPrices.refine((prices) => Object.keys(prices).length > 0, {
  error: NO_UNIT,
});

// USD per use of each server-side tool, e.g. {"webSearch": 0.01}: replaces the tool-fee table's
// rate for this model. Same bounds as unit prices.
const toolFees = z
  .object(Object.fromEntries(TOOL_CALL_KEYS.map((tool) => [tool, price])))
  .partial()
  .strict()
  .refine((fees) => Object.keys(fees).length > 0, {
    error: `names no tool; give a fee in USD per use, e.g. {"webSearch": 0.01}. Tools: ${TOOL_CALL_KEYS.join(", ")}`,
  });

const contextTier = z
  .object({
    above: z.number().int().nonnegative(),
    basis: z.enum(["input", "uncached-input", "input-and-output"]).optional(),
    scope: z.enum(["request", "excess"]).optional(),
    prices: unitPrices,
  })
  .strict();

const serviceTier = z
  .object({
    multiplier: multiplier.optional(),
    prices: unitPrices.optional(),
    tiers: z.array(contextTier).optional(),
  })
  .strict();

const serviceTiers = z
  .object({ batch: serviceTier, flex: serviceTier, priority: serviceTier })
  .partial()
  .strict();

const isoDate = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO date such as 2025-06-10");

const customEntry = z
  .object({
    provider: z.string().trim().min(1),
    model: z.string().trim().min(1),
    name: z.string().optional(),
    kind: z.enum(["llm", "embedding", "ocr", "other"]).optional(),
    aliases: z.array(z.string().trim().min(1)).optional(),
    // Optional only beside `toolFees`: an entry that changes a tool fee keeps the catalog's
    // token prices (decision 0023); one with neither would price nothing.
    prices: unitPrices.optional(),
    toolFees: toolFees.optional(),
    tiers: z.array(contextTier).optional(),
    serviceTiers: serviceTiers.optional(),
    dated: z
      .array(
        z
          .object({
            from: isoDate,
            prices: entryPrices,
            tiers: z.array(contextTier).optional(),
            serviceTiers: serviceTiers.optional(),
          })
          .strict(),
      )
      .optional(),
    regionalMultiplier: multiplier.optional(),
    source: z.string().optional(),
    checkedAt: z.string().optional(),
    notes: z.string().optional(),
  })
  .strict()
  .superRefine((entry, context) => {
    const named = entry.prices !== undefined && Object.keys(entry.prices).length > 0;
    if (named || (entry.prices === undefined && entry.toolFees !== undefined)) return;
    context.addIssue({
      code: "custom",
      path: ["prices"],
      message:
        entry.prices === undefined
          ? 'is missing; give at least one price, e.g. {"input": 2.5, "output": 10} in USD per million tokens, or "toolFees" to change only tool fees'
          : NO_UNIT,
    });
  });

const priceFile = z
  .object({
    $schema: z.string().optional(),
    aliases: z.record(z.string(), z.string().trim().min(1)).optional(),
    prices: z.array(customEntry).optional(),
  })
  .strict();

/** The JSON shape of a custom price file. */
export type PriceFile = z.input<typeof priceFile>;

/** A price file turned into entries and aliases. */
export interface CustomPrices {
  entries: PriceEntry[];
  aliases: Record<string, string>;
}

/** A price file a user must fix: the message names the file, the entry and the field. */
export class PriceFileError extends Error {
  override readonly name = "PriceFileError";
  static isInstance(error: unknown): error is PriceFileError {
    return error instanceof Error && error.name === "PriceFileError";
  }
}

/** Reads and validates a custom price file; throws a `PriceFileError` on any problem. */
export function loadCustomPriceFile(path: string): CustomPrices {
  let text: string;
  try {
    text = stripByteOrderMark(readFileSync(path, "utf8"));
  } catch (error) {
    throw new PriceFileError(`Cannot read price file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PriceFileError(
      `Price file ${path} is not valid JSON (${(error as Error).message}). Fix the syntax and retry.`,
    );
  }
  return parseCustomPrices(data, path);
}

/** Validates price-file content (already parsed JSON); `where` names it in errors. */
export function parseCustomPrices(data: unknown, where = "price file"): CustomPrices {
  const parsed = priceFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    let entryLabel = "";
    let fieldPath = path;
    if (path[0] === "prices" && typeof path[1] === "number") {
      const raw = (data as { prices?: Array<{ provider?: unknown; model?: unknown }> }).prices?.[
        path[1]
      ];
      const label =
        typeof raw?.model === "string" ? ` ("${String(raw.provider ?? "?")}/${raw.model}")` : "";
      entryLabel = ` entry prices[${path[1]}]${label},`;
      fieldPath = path.slice(2);
    }
    const field = fieldPath.length > 0 ? ` field "${fieldPath.join(".")}"` : "";
    const value = valueAt(data, path);
    const got =
      value === undefined ||
      (typeof value === "object" && value !== null && Object.keys(value).length > 0)
        ? ""
        : `, got ${JSON.stringify(value) ?? String(value)}`;
    const unknownKeys =
      issue?.code === "unrecognized_keys"
        ? ` (${(issue as { keys: string[] }).keys.join(", ")})`
        : "";
    throw new PriceFileError(
      `${where}:${entryLabel}${field}: ${issue?.message ?? "invalid"}${unknownKeys}${got}. See docs/pricing.md for the price file format.`,
    );
  }
  const checkedAt = new Date().toISOString().slice(0, 10);
  const entries = (parsed.data.prices ?? []).map((raw): PriceEntry => {
    const provider = canonicalProvider(raw.provider);
    const model = raw.model.toLowerCase();
    const entry: PriceEntry = {
      ...raw,
      prices: raw.prices ?? {},
      id: `${provider}/${model}`,
      provider,
      model,
      source: raw.source ?? where,
      checkedAt: raw.checkedAt ?? checkedAt,
      layer: "custom",
    };
    if (raw.aliases !== undefined) entry.aliases = raw.aliases.map((alias) => alias.toLowerCase());
    return entry;
  });
  return { entries, aliases: parsed.data.aliases ?? {} };
}

/** The value at a zod issue's path in the raw data, for the error message. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
