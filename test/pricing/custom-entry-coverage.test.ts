// A price entry covers what it prices (decision 0023): units a custom entry leaves out come from
// the catalog entry it overrides, or the call is unpriced with one warning naming the unit; never
// $0. An explicit 0 is a deliberate zero, listed in the breakdown. And every loaded price is
// finite and bounded: the error names the file, the entry, the field and the value.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCustomPriceFile, PriceFileError } from "../../src/pricing/custom-prices.ts";
import { loadPriceCatalog } from "../../src/pricing/load-catalog.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-price-coverage-"));
const quiet = () => {};

function priceFile(name: string, content: unknown): string {
  const path = join(folder, name);
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

function bookWith(prices: unknown[]) {
  const warnings: string[] = [];
  const custom = loadCustomPriceFile(priceFile(`prices-${Math.random()}.json`, { prices }));
  const book = createPriceBook({
    customPrices: custom.entries,
    diagnostics: (_level, message) => warnings.push(message),
  });
  return { book, warnings };
}

const catalog = createPriceBook({ diagnostics: quiet });
const usage = { inputTokens: 100_000, outputTokens: 20_000 };

describe("a custom entry that leaves units out", () => {
  it("takes the output price from the catalog entry it overrides, not $0", () => {
    const catalogOutput = catalog.findEntry("gpt-4o", "openai")?.prices.output;
    expect(catalogOutput).toBeGreaterThan(0);
    const { book, warnings } = bookWith([
      { provider: "openai", model: "gpt-4o", prices: { input: 1 } },
    ]);
    const result = book.calculateCost(usage, { provider: "openai", model: "gpt-4o" });
    expect(result?.matched.source).toBe("custom");
    expect(result?.breakdown.input).toBe(0.1); // 100,000 × $1/M: the custom price
    expect(result?.breakdown.output).toBeCloseTo((20_000 * (catalogOutput ?? 0)) / 1e6, 9);
    expect(book.findEntry("gpt-4o", "openai")?.completedFrom).toBe("openai/gpt-4o");
    expect(warnings).toEqual([]);
  });

  it("leaves a call unpriced, with one warning naming the unit, when nothing is under it", () => {
    const { book, warnings } = bookWith([
      { provider: "acme", model: "acme-local-1", prices: { input: 2 } },
    ]);
    const options = { provider: "acme", model: "acme-local-1" };
    expect(book.calculateCost(usage, options)).toBeNull();
    expect(book.calculateCost(usage, options)).toBeNull();
    expect(
      book.priceEvent({
        id: "e1",
        timestamp: "2026-11-02T10:00:00.000Z",
        kind: "llm",
        operation: "chat",
        provider: "acme",
        model: "acme-local-1",
        success: true,
        ...usage,
      }),
    ).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the custom price for acme/acme-local-1 has no "output" price');
    expect(warnings[0]).not.toContain("no price known");
    // A call that uses only what the entry prices is priced.
    expect(book.calculateCost({ inputTokens: 1_000_000 }, options)?.costUsd).toBe(2);
  });

  it("prices an explicit 0 at $0 and lists it in the breakdown as a deliberate zero", () => {
    const { book, warnings } = bookWith([
      { provider: "acme", model: "acme-free-out", prices: { input: 2, output: 0 } },
    ]);
    const result = book.calculateCost(usage, { provider: "acme", model: "acme-free-out" });
    expect(result?.costUsd).toBe(0.2);
    expect(result?.breakdown).toEqual({ input: 0.2, output: 0 });
    expect(warnings).toEqual([]);
  });

  it('rejects "prices": {} with a message naming the file, the entry and the field', () => {
    const path = priceFile("empty.json", {
      prices: [{ provider: "openai", model: "gpt-4o", prices: {} }],
    });
    expect(() => loadCustomPriceFile(path)).toThrow(PriceFileError);
    expect(() => loadCustomPriceFile(path)).toThrow(
      `${path}: entry prices[0] ("openai/gpt-4o"), field "prices": names no unit`,
    );
  });
});

describe("price bounds at load", () => {
  it("rejects {input: 1e303} naming the file, the entry, the field, the value and the fix", () => {
    const path = priceFile("huge.json", {
      prices: [{ provider: "openai", model: "gpt-4o", prices: { input: 1e303, output: 10 } }],
    });
    let message = "";
    try {
      loadCustomPriceFile(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`${path}: entry prices[0] ("openai/gpt-4o"), field "prices.input"`);
    expect(message).toContain("from 0 to 1,000,000 in USD per million tokens");
    expect(message).toContain("got 1e+303");
    // The bound itself is accepted.
    const edge = priceFile("edge.json", {
      prices: [{ provider: "openai", model: "gpt-4o", prices: { input: 1e6, output: 0 } }],
    });
    expect(loadCustomPriceFile(edge).entries[0]?.prices.input).toBe(1e6);
  });

  it("rejects a huge multiplier and prices in tiers and dated changes", () => {
    const base = { provider: "acme", model: "acme-x", prices: { input: 1, output: 1 } };
    for (const [extra, field] of [
      [{ regionalMultiplier: 1e300 }, '"regionalMultiplier"'],
      [{ tiers: [{ above: 1000, prices: { output: 2e6 } }] }, '"tiers.0.prices.output"'],
      [{ dated: [{ from: "2026-01-01", prices: { input: -1 } }] }, '"dated.0.prices.input"'],
      [{ serviceTiers: { batch: { multiplier: 1e9 } } }, '"serviceTiers.batch.multiplier"'],
    ] as const) {
      const path = priceFile("bad-extra.json", { prices: [{ ...base, ...extra }] });
      expect(() => loadCustomPriceFile(path)).toThrow(`field ${field}`);
    }
  });

  it("applies the same bound to LiteLLM and genai-prices catalogs", () => {
    expect(() =>
      loadPriceCatalog({
        format: "litellm",
        data: { "acme-x": { litellm_provider: "acme", input_cost_per_token: 1e300 } },
        name: "litellm.json",
      }),
    ).toThrow(
      /litellm\.json: model "acme-x", price prices\.input: expected a price from 0 to 1,000,000/,
    );
    expect(() =>
      loadPriceCatalog({
        format: "genai-prices",
        data: [
          {
            id: "acme",
            name: "Acme",
            api_pattern: "acme",
            models: [{ id: "acme-y", match: { equals: "acme-y" }, prices: { output_mtok: -3 } }],
          },
        ],
        name: "data.json",
      }),
    ).toThrow(/data\.json: model "acme\/acme-y", price prices\.output: .*got -3/);
  });
});

describe("a price file written by a Windows editor", () => {
  it("loads with a leading UTF-8 byte order mark", () => {
    const path = join(folder, "bom-prices.json");
    const entries = [{ provider: "openai", model: "gpt-4o", prices: { input: 1, output: 2 } }];
    writeFileSync(path, `\uFEFF${JSON.stringify({ prices: entries })}`);
    expect(loadCustomPriceFile(path).entries).toHaveLength(1);
  });
});
