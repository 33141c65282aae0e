// Property-based tests of model-id matching and pricing: any model or provider string (gateway
// prefixes, Bedrock/Vertex ids, unicode, huge strings) is resolved or left unpriced, never a
// crash, a hang or a negative/NaN cost.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesRule } from "../../src/pricing/match-rule.ts";
import { canonicalProvider, detectProvider, parseModelId } from "../../src/pricing/model-id.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

const pieces = fc.constantFrom(
  "gpt-4o",
  "claude-sonnet-4-5",
  "gemini-2.5-pro",
  "us.",
  "anthropic.",
  "openai/",
  "models/",
  "@001",
  "-20250929",
  "-v1:0",
  ":latest",
  "-latest",
  ".",
  "/",
  "@",
  ":",
  " ",
  "-",
  "4.5",
  "projects/p/locations/l/publishers/google/models/",
  "ÄÖ",
  "\u0000",
  "\n",
);
const modelId = fc.oneof(
  fc.array(pieces, { maxLength: 8 }).map((parts) => parts.join("")),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
);

describe("model-id matching (fast-check)", () => {
  it("parseModelId returns distinct non-empty lower-case candidates, the id first", () => {
    fc.assert(
      fc.property(modelId, (model) => {
        const { candidates } = parseModelId(model);
        expect(new Set(candidates).size).toBe(candidates.length);
        for (const candidate of candidates) {
          expect(candidate).not.toBe("");
          expect(candidate).toBe(candidate.toLowerCase());
        }
        if (model.trim() !== "")
          expect(candidates[0]).toBe(model.trim().toLowerCase().replace(/\s+/g, "-"));
        detectProvider(model);
        expect(typeof canonicalProvider(model)).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });

  it("the default price book prices any model to a finite non-negative cost or null", () => {
    const book = createPriceBook({ diagnostics: () => {} });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom("openai", "anthropic", "google", "bedrock", "azure", "vertex_ai"),
          fc.string(),
        ),
        modelId,
        fc.nat({ max: 10_000_000 }),
        fc.nat({ max: 10_000_000 }),
        (provider, model, inputTokens, outputTokens) => {
          const event = {
            id: "e",
            timestamp: "2026-11-22T00:00:00.000Z",
            kind: "llm",
            provider,
            model,
            inputTokens,
            outputTokens,
          } as UsageEvent;
          const priced = book.priceEvent(event);
          if (priced === null) return;
          expect(Number.isFinite(priced.costUsd)).toBe(true);
          expect(priced.costUsd).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("a prefix rule never matches a newer version of the model (gpt-4 vs gpt-4.1)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("gpt-4", "claude-sonnet-4", "gemini-2"),
        fc.integer({ min: 0, max: 99 }),
        fc.constantFrom(".", "-"),
        (prefix, version, separator) => {
          expect(matchesRule({ startsWith: prefix }, `${prefix}${separator}${version}`)).toBe(
            false,
          );
          expect(matchesRule({ startsWith: prefix }, `${prefix}-20250101`)).toBe(true);
        },
      ),
    );
  });

  it("prototype names are not provider aliases (regression: canonicalProvider returned Object.prototype)", () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      expect(canonicalProvider(name)).toBe(name.toLowerCase());
      expect(
        typeof detectProvider(`${name}/gpt-4o`) === "string" ||
          detectProvider(`${name}/gpt-4o`) === undefined,
      ).toBe(true);
      expect(parseModelId(`${name}/gpt-4o`).providerHint).toBeUndefined();
    }
  });

  it("a huge model id is handled without hanging", () => {
    const book = createPriceBook({ diagnostics: () => {} });
    const huge = `${"us.anthropic.".repeat(1000)}${"claude-".repeat(20_000)}-20250929-v1:0`;
    expect(Array.isArray(parseModelId(huge).candidates)).toBe(true);
    book.priceEvent({
      id: "e",
      timestamp: "2026-11-22T00:00:00.000Z",
      kind: "llm",
      provider: "bedrock",
      model: huge,
      inputTokens: 1,
    } as UsageEvent);
  });
});
