// A custom price entry can change server-side tool fees (a negotiated or newer rate): its
// `toolFees` win over the tool-fee table for that model, the catalog keeps the token prices, and
// an entry that sets only tool fees with no catalog entry under it leaves the call unpriced
// instead of billing its tokens at $0.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCustomPriceFile, PriceFileError } from "../../src/pricing/custom-prices.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { findToolFee } from "../../src/pricing/price-tool-calls.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-custom-tool-fees-"));
let files = 0;

function load(prices: unknown[]) {
  const path = join(folder, `prices-${files++}.json`);
  writeFileSync(path, JSON.stringify({ prices }));
  return loadCustomPriceFile(path);
}

function bookWith(prices: unknown[]) {
  const warnings: string[] = [];
  const book = createPriceBook({
    customPrices: load(prices).entries,
    diagnostics: (_level, message) => warnings.push(message),
  });
  return { book, warnings };
}

const catalog = createPriceBook({ diagnostics: () => {} });
const usage = { inputTokens: 10_000, outputTokens: 1_000, toolCalls: { webSearch: 3 } };
const call = { provider: "anthropic", model: "claude-sonnet-4-5" };

describe("toolFees in a custom price entry", () => {
  it("replaces the table's fee and keeps the catalog's token prices", () => {
    const tableFee = findToolFee("anthropic", "claude-sonnet-4-5", "webSearch")?.usdPerUnit;
    expect(tableFee).toBe(0.01);
    const { book, warnings } = bookWith([
      { provider: "anthropic", model: "claude-sonnet-4-5", toolFees: { webSearch: 0.004 } },
    ]);
    const custom = book.calculateCost(usage, call);
    const bundled = catalog.calculateCost(usage, call);
    expect(bundled?.breakdown.tools).toBeCloseTo(0.03, 12);
    expect(custom?.breakdown.tools).toBeCloseTo(0.012, 12);
    expect(custom?.breakdown.input).toBe(bundled?.breakdown.input);
    expect(custom?.breakdown.output).toBe(bundled?.breakdown.output);
    expect(custom?.costUsd).toBeCloseTo((bundled?.costUsd ?? 0) - 0.03 + 0.012, 12);
    expect(custom?.matched.source).toBe("custom");
    expect(warnings).toEqual([]);
  });

  it("leaves tools it does not name to the table", () => {
    const { book } = bookWith([
      { provider: "openai", model: "gpt-5", toolFees: { fileSearch: 0.001 } },
    ]);
    const result = book.calculateCost(
      { inputTokens: 1_000, outputTokens: 100, toolCalls: { webSearch: 1, fileSearch: 2 } },
      { provider: "openai", model: "gpt-5" },
    );
    const webSearch = findToolFee("openai", "gpt-5", "webSearch")?.usdPerUnit ?? Number.NaN;
    expect(result?.breakdown.tools).toBeCloseTo(webSearch + 2 * 0.001, 12);
  });

  it("does not bill tokens at $0 when only tool fees are set and nothing is under it", () => {
    const { book, warnings } = bookWith([
      { provider: "acme", model: "acme-search-1", toolFees: { webSearch: 0.01 } },
    ]);
    expect(book.calculateCost(usage, { provider: "acme", model: "acme-search-1" })).toBeNull();
    expect(warnings.join("\n")).toMatch(/no "input" and "output" price/);
  });

  it("rejects an entry with neither prices nor tool fees, an unknown tool and a negative fee", () => {
    const reject = (entry: unknown) => {
      try {
        load([entry]);
      } catch (error) {
        expect(PriceFileError.isInstance(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(reject({ provider: "openai", model: "gpt-5" })).toMatch(
      /field "prices": is missing; .*"toolFees"/,
    );
    expect(reject({ provider: "openai", model: "gpt-5", toolFees: { webSerch: 0.01 } })).toMatch(
      /field "toolFees".*webSerch/,
    );
    expect(reject({ provider: "openai", model: "gpt-5", toolFees: { webSearch: -1 } })).toMatch(
      /field "toolFees.webSearch"/,
    );
    expect(reject({ provider: "openai", model: "gpt-5", toolFees: {} })).toMatch(/names no tool/);
  });
});
