import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CURATED_ENTRIES } from "../../src/pricing/catalog/curated.ts";
import { CATALOG_VERSION, snapshotEntries } from "../../src/pricing/catalog/index.ts";
import { MOVING_ALIASES } from "../../src/pricing/catalog/moving-aliases.ts";
import {
  FETCHED_CATALOG_FILE,
  FETCHED_CATALOG_SCHEMA,
  fetchedPriceBookOptions,
} from "../../src/pricing/fetched-catalog.ts";
import { createPriceBook, getDefaultPriceBook } from "../../src/pricing/price-book.ts";
import { UNIT_PRICE_KEYS } from "../../src/pricing/types.ts";

describe("the bundled catalog", () => {
  const entries = getDefaultPriceBook().listEntries();

  it("prices at least 600 models across at least 15 providers", () => {
    const priced = entries.filter((entry) => entry.match === undefined || !("any" in entry.match));
    expect(priced.length).toBeGreaterThanOrEqual(600);
    expect(new Set(priced.map((entry) => entry.provider)).size).toBeGreaterThanOrEqual(15);
  });

  it("gives every entry a source URL, a checked date and sane prices", () => {
    for (const entry of entries) {
      expect(entry.source, entry.id).toMatch(/^https:\/\//);
      expect(entry.checkedAt, entry.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const key of UNIT_PRICE_KEYS) {
        const value = entry.prices[key];
        if (value !== undefined)
          expect(value >= 0 && Number.isFinite(value), `${entry.id} ${key}`).toBe(true);
      }
    }
    expect(CATALOG_VERSION).toMatch(/^\d{4}\.\d{2}\.\d{2}\+genai-prices@/);
  });

  it("prices each moving alias by the entry of the model it points to, with a cited source", () => {
    const book = createPriceBook({ diagnostics: () => {} });
    const usage = {
      id: "alias-check",
      timestamp: "2026-12-08T00:00:00.000Z",
      kind: "llm" as const,
      operation: "chat",
      success: true,
      inputTokens: 1000,
      outputTokens: 100,
    };
    for (const alias of MOVING_ALIASES) {
      expect(alias.source, alias.alias).toMatch(/^https:\/\//);
      expect(alias.checkedAt, alias.alias).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const viaAlias = book.priceEvent({ provider: alias.provider, model: alias.alias, ...usage });
      const direct = book.priceEvent({ provider: alias.provider, model: alias.target, ...usage });
      // A target renamed or dropped from the catalog must not leave the alias silently unpriced.
      expect(direct, alias.target).not.toBeNull();
      expect(viaAlias?.entryId, alias.alias).toBe(direct?.entryId);
      expect(viaAlias?.costUsd, alias.alias).toBe(direct?.costUsd);
    }
  });

  it("prices a moving alias by a fetched catalog's newer price of its target", () => {
    const [alias] = MOVING_ALIASES;
    const folder = mkdtempSync(join(tmpdir(), "llmeter-moving-alias-"));
    mkdirSync(join(folder, ".llmeter"));
    const target = {
      id: `${alias!.provider}/${alias!.target}`,
      provider: alias!.provider,
      model: alias!.target,
      prices: { input: 7, output: 21 },
      source: "https://example.com/prices",
      checkedAt: "2026-12-08",
    };
    writeFileSync(
      join(folder, ".llmeter", FETCHED_CATALOG_FILE),
      JSON.stringify({
        schemaVersion: FETCHED_CATALOG_SCHEMA,
        version: "fetched-2026-12-08+test",
        fetchedAt: "2026-12-08T00:00:00.000Z",
        sources: [],
        entries: [target],
      }),
    );
    const book = createPriceBook({ diagnostics: () => {}, ...fetchedPriceBookOptions({}, folder) });
    const cost = (model: string) =>
      book.priceEvent({
        id: "fetched-alias",
        timestamp: "2026-12-08T00:00:00.000Z",
        kind: "llm",
        operation: "chat",
        success: true,
        provider: alias!.provider,
        model,
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
      });
    // $7 + $21 for a million tokens each: the fetched entry, not the bundled one.
    expect(cost(alias!.target)?.costUsd).toBe(28);
    expect(cost(alias!.alias)?.costUsd).toBe(28);
  });

  it("covers the providers the issue names, curated first", () => {
    const providers = new Set(entries.map((entry) => entry.provider));
    for (const provider of [
      "openai",
      "anthropic",
      "google",
      "azure",
      "bedrock",
      "mistral",
      "cohere",
      "groq",
      "deepseek",
      "xai",
      "together",
      "fireworks",
      "perplexity",
      "openrouter",
      "ollama",
      "vllm",
      "lmstudio",
      "infinity",
      "tesseract",
      "azure-document-intelligence",
      "google-document-ai",
      "aws-textract",
    ]) {
      expect(providers.has(provider), provider).toBe(true);
    }
    // A curated entry hides the snapshot entry for the same model.
    const gpt4o = entries.filter(
      (entry) => entry.provider === "openai" && entry.model === "gpt-4o",
    );
    expect(gpt4o).toHaveLength(1);
    expect(gpt4o[0]?.layer).toBe("curated");
    expect(CURATED_ENTRIES.length).toBeGreaterThan(80);
    expect(snapshotEntries().every((entry) => entry.upstream?.startsWith("genai-prices@"))).toBe(
      true,
    );
  });

  it("reports an unknown model once, not once per call", () => {
    const messages: string[] = [];
    const book = createPriceBook({ diagnostics: (_level, message) => messages.push(message) });
    for (let call = 0; call < 5; call += 1) {
      expect(
        book.calculateCost({ inputTokens: 10 }, { provider: "openai", model: "gpt-unknown-1" }),
      ).toBeNull();
    }
    expect(
      book.calculateCost({ inputTokens: 10 }, { provider: "openai", model: "gpt-unknown-2" }),
    ).toBeNull();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/no price known for model "gpt-unknown-1" \(provider "openai"\)/);
  });
});
