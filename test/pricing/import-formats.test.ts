import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  loadCustomPriceFile,
  PriceFileError,
  parseCustomPrices,
} from "../../src/pricing/custom-prices.ts";
import { loadPriceCatalog } from "../../src/pricing/load-catalog.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const quiet = () => {};

describe("LiteLLM format", () => {
  const imported = loadPriceCatalog({ format: "litellm", path: fixture("litellm-prices.json") });
  const book = createPriceBook({ imported, diagnostics: quiet });

  it("converts per-token prices, cache, batch and the 200K tier", () => {
    // 9,000 × $2/M + 1,000 × $0.50/M + 1,000 × $8/M
    expect(
      book.calculateCost(
        { inputTokens: 10_000, cacheReadTokens: 1_000, outputTokens: 1_000 },
        { provider: "acme", model: "acme-chat-1" },
      )?.costNanoUsd,
    ).toBe(26_500_000);
    // Batch: 10,000 × $1/M + 1,000 × $4/M
    expect(
      book.calculateCost(
        { inputTokens: 10_000, outputTokens: 1_000 },
        { provider: "acme", model: "acme-chat-1", serviceTier: "batch" },
      )?.costUsd,
    ).toBe(0.014);
    // Above 200K: 250,000 × $2/M + 1,000 × $6/M
    const long = book.calculateCost(
      { inputTokens: 250_000, outputTokens: 1_000 },
      { provider: "acme", model: "acme-long-1" },
    );
    expect(long?.costUsd).toBe(0.506);
    expect(long?.matched.source).toBe("imported");
  });

  it("converts embeddings, OCR pages and maps LiteLLM provider names", () => {
    expect(
      book.calculateCost({ inputTokens: 1_000_000 }, { provider: "acme", model: "acme-embed-1" })
        ?.costUsd,
    ).toBe(0.05);
    expect(
      book.calculateCost({ pages: 10 }, { provider: "acme", model: "acme-ocr-1" })?.costUsd,
    ).toBe(0.02);
    const vertex = book.calculateCost(
      { inputTokens: 2_000, cacheWrite1hTokens: 1_000, outputTokens: 0 },
      { provider: "vertex_ai", model: "claude-acme@001" },
    );
    // 1,000 × $3/M + 1,000 × $6/M
    expect(vertex?.costUsd).toBe(0.009);
    expect(imported.find((entry) => entry.model === "claude-acme@001")?.provider).toBe("vertex");
  });

  it("names the file, the model and the field on bad data", () => {
    expect(() =>
      loadPriceCatalog({
        format: "litellm",
        data: { "acme-x": { litellm_provider: "acme", input_cost_per_token: -1 } },
        name: "prices.json",
      }),
    ).toThrow(
      /prices\.json: model "acme-x": field "input_cost_per_token" must be a non-negative number/,
    );
  });
});

describe("genai-prices format", () => {
  const imported = loadPriceCatalog({
    format: "genai-prices",
    path: fixture("genai-prices-data.json"),
  });
  const book = createPriceBook({ imported, diagnostics: quiet });

  it("converts match rules, tiers and dated prices", () => {
    expect(
      book.calculateCost(
        { inputTokens: 1_000_000, outputTokens: 0 },
        { provider: "acme", model: "acme-chat-2-20260101" },
      )?.costUsd,
    ).toBe(1);
    // genai-prices' tier rule: above `start` input tokens the whole request moves to the tier price.
    expect(
      book.calculateCost(
        { inputTokens: 100_001, outputTokens: 0 },
        { provider: "acme", model: "acme-tiered" },
      )?.costUsd,
    ).toBe(0.200002);
    expect(
      book.calculateCost({ inputTokens: 100_000 }, { provider: "acme", model: "acme-tiered" })
        ?.costUsd,
    ).toBe(0.1);
    expect(
      book.calculateCost(
        { inputTokens: 1_000_000 },
        { provider: "acme", model: "acme-dated", at: "2025-12-31T23:59:59Z" },
      )?.costUsd,
    ).toBe(4);
    expect(
      book.calculateCost(
        { inputTokens: 1_000_000 },
        { provider: "acme", model: "acme-dated", at: "2026-01-01T00:00:00Z" },
      )?.costUsd,
    ).toBe(2);
  });

  it("records where each entry came from", () => {
    const entry = book.findEntry("acme-chat-2", "acme");
    expect(entry?.source).toBe("https://acme.example/pricing");
    expect(entry?.upstream).toBe("genai-prices:acme/acme-chat-2");
    expect(entry?.layer).toBe("imported");
  });
});

describe("custom price file", () => {
  it("adds and overrides prices, with aliases, and wins over everything", () => {
    const custom = loadCustomPriceFile(fixture("custom-prices.json"));
    const book = createPriceBook({
      customPrices: custom.entries,
      aliases: custom.aliases,
      diagnostics: quiet,
    });
    const ownModel = book.calculateCost(
      { inputTokens: 1_000_000, outputTokens: 1_000_000 },
      { provider: "azure", model: "prod-chat" },
    );
    expect(ownModel?.costUsd).toBe(2);
    expect(ownModel?.matched.source).toBe("custom");
    // The override applies to the dated id OpenAI answers with, too.
    const override = book.calculateCost(
      { inputTokens: 1_000_000 },
      { provider: "openai", model: "gpt-4o-2024-08-06" },
    );
    expect(override?.costUsd).toBe(2);
    expect(override?.matched.sourceUrl).toBe("negotiated rate");
  });

  it("fails with the file, the entry and the field", () => {
    const file = fixture("custom-prices-bad.json");
    expect(() => loadCustomPriceFile(file)).toThrow(PriceFileError);
    expect(() => loadCustomPriceFile(file)).toThrow(
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: entry prices\\[1\\] \\("acme/acme-private"\\), field "prices.input": `,
      ),
    );
  });

  it("rejects unknown fields and bad JSON clearly", () => {
    expect(() =>
      parseCustomPrices(
        { prices: [{ provider: "a", model: "b", prices: { inptu: 1 } }] },
        "p.json",
      ),
    ).toThrow(/p\.json: entry prices\[0\] \("a\/b"\), field "prices".*inptu/);
    expect(() => parseCustomPrices({ price: [] }, "p.json")).toThrow(/p\.json:.*price/);
    expect(() => loadCustomPriceFile(fixture("does-not-exist.json"))).toThrow(
      /Cannot read price file .*does-not-exist\.json/,
    );
  });
});
