// Every model id the installed provider SDKs name must be listed in docs/sdk-model-coverage.json
// and resolve to a price, or be listed with a reason in docs/pricing-differences.json
// ("uncovered"). Same for the current Gemini and embedding models the providers' docs list.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { sdkModelIds, sdkVersion } from "./sdk-model-ids.ts";

const differences = JSON.parse(
  readFileSync(new URL("../../docs/pricing-differences.json", import.meta.url), "utf8"),
) as { uncovered: Array<{ provider: string; model: string; reason: string }> };
const coverage = JSON.parse(
  readFileSync(new URL("../../docs/sdk-model-coverage.json", import.meta.url), "utf8"),
) as { sdks: Record<string, string>; models: Record<string, string[]> };

// The share of SDK-named ids the bundled catalog prices may not drop below this.
const MINIMUM_PRICED_PERCENT = 95;

const sdkIds = sdkModelIds();
const SDK_MODELS: Array<{ provider: string; models: string[] }> = [
  { provider: "openai", models: sdkIds.openai },
  { provider: "anthropic", models: sdkIds.anthropic },
  {
    // Gemini API models (https://ai.google.dev/gemini-api/docs/models) and embedding models,
    // plus those @google/genai's doc comments name.
    provider: "google",
    models: [
      ...sdkIds.google,
      "gemini-2.5-pro",
      "gemini-2.5-flash",
      "gemini-2.5-flash-lite",
      "gemini-2.0-flash",
      "gemini-2.0-flash-lite",
      "gemini-3-pro-preview",
      "gemini-3-flash-preview",
      "gemini-embedding-001",
    ],
  },
];

describe("model-union coverage", () => {
  const book = createPriceBook({ diagnostics: () => {} });
  const listed = new Map(
    differences.uncovered.map((item) => [`${item.provider}/${item.model}`, item.reason]),
  );
  const isPriced = (provider: string, model: string) =>
    book.calculateCost({ inputTokens: 1000, outputTokens: 100 }, { provider, model }) !== null;

  it("finds the SDK unions", () => {
    expect(sdkIds.openai.length).toBeGreaterThan(50);
    expect(sdkIds.anthropic.length).toBeGreaterThan(10);
    expect(sdkIds.google.length).toBeGreaterThan(2);
  });

  it("lists every SDK-named id in docs/sdk-model-coverage.json, for the installed SDK versions", () => {
    // On a new SDK: update docs/sdk-model-coverage.json, then price or explain the new ids.
    expect(coverage.sdks).toEqual({
      openai: sdkVersion("openai"),
      "@anthropic-ai/sdk": sdkVersion("@anthropic-ai/sdk"),
      "@google/genai": sdkVersion("@google/genai"),
    });
    expect(coverage.models).toEqual(sdkIds);
  });

  it(`prices at least ${MINIMUM_PRICED_PERCENT} % of the SDK-named ids`, () => {
    const all = Object.entries(coverage.models).flatMap(([provider, models]) =>
      models.map((model) => ({ provider, model })),
    );
    const priced = all.filter(({ provider, model }) => isPriced(provider, model)).length;
    const percent = (100 * priced) / all.length;
    console.info(
      `SDK model ids priced by the bundled catalog: ${priced} of ${all.length} (${percent.toFixed(1)} %)`,
    );
    expect(percent).toBeGreaterThanOrEqual(MINIMUM_PRICED_PERCENT);
  });

  for (const { provider, models } of SDK_MODELS) {
    it(`prices every ${provider} model id or explains why not`, () => {
      const missing: string[] = [];
      for (const model of new Set(models)) {
        const key = `${provider}/${model}`;
        if (isPriced(provider, model))
          expect(listed.has(key), `${key} is priced now: remove it from "uncovered"`).toBe(false);
        else if (!listed.has(key)) missing.push(key);
      }
      expect(missing).toEqual([]);
    });
  }
});
