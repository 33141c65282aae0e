// Property-based tests of the files users write by hand: .llmeter/config.json and custom price
// files. Any content is either accepted or refused with the library's own error type, naming the
// file; nothing else escapes, nothing hangs.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config/resolve-config.ts";
import { SETTING_NAMES, SETTINGS } from "../../src/config/settings.ts";
import {
  loadCustomPriceFile,
  PriceFileError,
  parseCustomPrices,
} from "../../src/pricing/custom-prices.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-property-"));

/** JSON-ish text: valid JSON objects with real and made-up setting names, broken JSON, bytes. */
const settingValue = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const configText = fc.oneof(
  fc
    .dictionary(fc.constantFrom(...SETTING_NAMES), settingValue, { maxKeys: 6 })
    .map((value) => JSON.stringify(value)),
  fc
    .dictionary(fc.oneof(fc.constantFrom(...SETTING_NAMES), fc.string()), settingValue)
    .map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.constant('{"__proto__": {"polluted": true}, "maxHistory": 10}'),
);

describe("config files (fast-check)", () => {
  it("any .llmeter/config.json content resolves or throws a ConfigError naming the file", () => {
    let run = 0;
    fc.assert(
      fc.property(configText, (text) => {
        const cwd = join(folder, `config-${run++}`);
        mkdirSync(join(cwd, ".llmeter"), { recursive: true });
        const file = join(cwd, ".llmeter", "config.json");
        writeFileSync(file, text);
        try {
          const { values } = resolveConfig({}, { env: {}, cwd });
          for (const name of SETTING_NAMES) expect(name in values).toBe(true);
        } catch (error) {
          expect(ConfigError.isInstance(error)).toBe(true);
          expect((error as Error).message).toContain(file);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it("any LLMETER_* environment value resolves or throws a ConfigError naming the variable", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SETTING_NAMES), fc.string({ maxLength: 300 }), (name, raw) => {
        const variable = SETTINGS[name].env;
        try {
          resolveConfig({}, { env: { [variable]: raw }, cwd: folder });
        } catch (error) {
          expect(ConfigError.isInstance(error)).toBe(true);
          expect((error as Error).message).toContain(variable);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

const number = fc.oneof(fc.double({ noNaN: false }), fc.integer(), fc.string(), fc.constant(null));
const priceEntry = fc.record(
  {
    provider: fc.oneof(fc.constantFrom("openai", "anthropic", "acme"), fc.string()),
    model: fc.oneof(fc.constantFrom("gpt-4o", "my-model"), fc.string()),
    inputPerMillion: number,
    outputPerMillion: number,
    input: number,
    output: number,
    prices: fc.dictionary(fc.string(), number),
  },
  { requiredKeys: [] },
);
const priceData = fc.oneof(
  fc.record({ prices: fc.array(priceEntry, { maxLength: 5 }) }, { requiredKeys: [] }),
  fc.record(
    { prices: fc.array(fc.anything(), { maxLength: 3 }), aliases: fc.anything() },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

describe("custom price files (fast-check)", () => {
  it("any parsed content is accepted as finite non-negative prices or refused with a PriceFileError", () => {
    fc.assert(
      fc.property(priceData, (data) => {
        try {
          const { entries } = parseCustomPrices(data, "prices.json");
          // Accepted entries must price an event to a finite, non-negative cost (or null).
          const book = createPriceBook({ customPrices: entries });
          for (const entry of entries) {
            const priced = book.priceEvent({
              id: "x",
              timestamp: "2026-11-22T00:00:00.000Z",
              kind: "llm",
              provider: entry.provider,
              model: entry.model,
              inputTokens: 1000,
              outputTokens: 1000,
            } as never);
            if (priced !== null) {
              expect(Number.isFinite(priced.costUsd)).toBe(true);
              expect(priced.costUsd).toBeGreaterThanOrEqual(0);
            }
          }
        } catch (error) {
          expect(PriceFileError.isInstance(error)).toBe(true);
          expect((error as Error).message).toContain("prices.json");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("any bytes on disk load or fail with a PriceFileError naming the path", () => {
    let run = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          priceData.map((data) => JSON.stringify(data) ?? ""),
        ),
        (text) => {
          const file = join(folder, `prices-${run++}.json`);
          writeFileSync(file, text);
          try {
            loadCustomPriceFile(file);
          } catch (error) {
            expect(PriceFileError.isInstance(error)).toBe(true);
            expect((error as Error).message).toContain(file);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
