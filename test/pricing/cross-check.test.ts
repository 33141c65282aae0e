// Prices a reference set of calls with our engine and with @pydantic/genai-prices, and fails on any
// disagreement that docs/pricing-differences.json does not list with a reason (or on a listed
// difference that has gone away, so the file stays true).
import { readFileSync } from "node:fs";
import { calcPrice, waitForUpdate } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { CURATED_ENTRIES } from "../../src/pricing/catalog/curated.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import type { PricingUsage } from "../../src/pricing/types.ts";

interface Differences {
  crossCheck: Array<{ provider: string; models: string[]; reason: string }>;
}

const differences = JSON.parse(
  readFileSync(new URL("../../docs/pricing-differences.json", import.meta.url), "utf8"),
) as Differences;

// Our provider names → genai-prices provider ids.
const GENAI_PROVIDER: Record<string, string> = { xai: "x-ai", bedrock: "aws" };
const AT = new Date("2026-11-01T00:00:00Z");

interface Call {
  provider: string;
  model: string;
  usage: PricingUsage;
}

// Two calls per model: a usual one with cached input and both cache-write durations, and one
// above every long-context threshold (200K, 272K input tokens).
function usagesFor(kind?: string): PricingUsage[] {
  if (kind === "embedding") return [{ inputTokens: 12_345 }];
  return [
    {
      inputTokens: 12_345,
      cacheReadTokens: 3_000,
      cacheWrite5mTokens: 1_000,
      cacheWrite1hTokens: 500,
      outputTokens: 1_678,
    },
    { inputTokens: 300_000, cacheReadTokens: 50_000, outputTokens: 2_000 },
  ];
}

function toGenaiUsage(usage: PricingUsage): Record<string, number> {
  const write5m = usage.cacheWrite5mTokens ?? 0;
  const write1h = usage.cacheWrite1hTokens ?? 0;
  return {
    input_tokens: usage.inputTokens ?? 0,
    cache_read_tokens: usage.cacheReadTokens ?? 0,
    cache_write_tokens: write5m + write1h,
    cache_write_1h_tokens: write1h,
    output_tokens: usage.outputTokens ?? 0,
  };
}

async function referenceCalls(): Promise<Call[]> {
  const providers = (await waitForUpdate()) ?? [];
  const genaiIds = new Set(providers.map((provider) => provider.id));
  const calls: Call[] = [];
  // Every curated token-priced model of a provider genai-prices also covers.
  for (const entry of CURATED_ENTRIES) {
    const genaiProvider = GENAI_PROVIDER[entry.provider] ?? entry.provider;
    if (!genaiIds.has(genaiProvider) || entry.match !== undefined || entry.kind === "ocr") continue;
    for (const model of [entry.model, ...(entry.aliases ?? [])]) {
      for (const usage of usagesFor(entry.kind))
        calls.push({ provider: entry.provider, model, usage });
    }
  }
  // Every first-party model genai-prices lists, by its own id.
  for (const provider of providers) {
    if (
      ![
        "openai",
        "anthropic",
        "google",
        "mistral",
        "cohere",
        "x-ai",
        "groq",
        "perplexity",
        "aws",
      ].includes(provider.id)
    )
      continue;
    const ours =
      Object.entries(GENAI_PROVIDER).find(([, id]) => id === provider.id)?.[0] ?? provider.id;
    for (const model of provider.models) {
      const kind = /embed/.test(model.id) ? "embedding" : undefined;
      for (const usage of usagesFor(kind)) calls.push({ provider: ours, model: model.id, usage });
    }
  }
  return calls;
}

describe("cross-check against @pydantic/genai-prices", () => {
  it("agrees on every reference call, or the difference is explained", async () => {
    const book = createPriceBook({ diagnostics: () => {} });
    const calls = await referenceCalls();
    expect(calls.length).toBeGreaterThan(600);
    const explained = new Map<string, string>(
      differences.crossCheck.flatMap((item) =>
        item.models.map((model): [string, string] => [`${item.provider}/${model}`, item.reason]),
      ),
    );
    const unexplained: string[] = [];
    const disagreeing = new Set<string>();
    let uncomparable = 0;
    for (const call of calls) {
      const ours = book.calculateCost(call.usage, {
        provider: call.provider,
        model: call.model,
        at: AT,
      });
      let theirs: number | null = null;
      try {
        theirs =
          calcPrice(toGenaiUsage(call.usage), call.model, {
            providerId: GENAI_PROVIDER[call.provider] ?? call.provider,
            timestamp: AT,
          })?.total_price ?? null;
      } catch {
        theirs = null;
      }
      // genai-prices has no price for it (or does not resolve that id): nothing to compare.
      if (theirs === null) {
        uncomparable += 1;
        continue;
      }
      const same =
        ours !== null && Math.abs(ours.costUsd - theirs) < 1e-8 + Math.abs(theirs) * 1e-9;
      if (same) continue;
      const key = `${call.provider}/${call.model}`;
      disagreeing.add(key);
      if (!explained.has(key))
        unexplained.push(
          `${key} (${call.usage.inputTokens} input): ours ${ours?.costUsd ?? "null"} (${ours?.matched.entryId ?? "-"}), genai-prices ${theirs}`,
        );
    }
    expect(unexplained).toEqual([]);
    // Most calls must be comparable, or the check proves little.
    expect(uncomparable).toBeLessThan(calls.length / 4);
    const stale = [...explained.keys()].filter((key) => !disagreeing.has(key));
    expect(stale, "listed differences that no longer disagree: remove them").toEqual([]);
    for (const reason of explained.values()) expect(reason.length).toBeGreaterThan(20);
  });
});
