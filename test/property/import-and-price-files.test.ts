// Property-based tests of issue 23's promises over hostile input: whatever the import lines, a
// second import of the same file adds nothing and no total printed is non-finite; whatever the
// price file, it is either refused with a PriceFileError or every event priced through it is
// written, with a finite cost or none. Import lines include absurd counts (up to
// Number.MAX_VALUE), which the event validation drops beyond its plausible bound (10¹²) before
// anything is priced.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { PriceFileError, parseCustomPrices } from "../../src/pricing/custom-prices.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { UNIT_PRICE_KEYS } from "../../src/pricing/types.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-hostile-property-"));
let runs = 0;

async function allEvents(store: UsageStore): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for await (const event of store.events()) events.push(event);
  return events;
}

function totals(events: UsageEvent[]) {
  return {
    events: events.length,
    inputTokens: events.reduce((sum, event) => sum + (event.inputTokens ?? 0), 0),
    outputTokens: events.reduce((sum, event) => sum + (event.outputTokens ?? 0), 0),
    costNano: events.reduce((sum, event) => sum + Math.round((event.costUsd ?? 0) * 1e9), 0),
  };
}

/** Counts the event validation keeps: the price book only ever sees these. */
const plausibleCount = fc.integer({ min: 0, max: 1e12 });
/** And absurd ones, which the validation drops. */
const count = fc.oneof(plausibleCount, fc.constantFrom(1e12 + 1, 1e15, 1e303, Number.MAX_VALUE));
const eventLine = fc
  .record(
    {
      id: fc.oneof(fc.constant(""), fc.string({ maxLength: 12 }), fc.uuid()),
      timestamp: fc.oneof(
        fc.constant(null),
        fc
          .date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2026-12-31T00:00:00Z") })
          .filter((date) => !Number.isNaN(date.getTime()))
          .map((date) => date.toISOString()),
      ),
      provider: fc.constantFrom("openai", "anthropic", "acme", ""),
      model: fc.constantFrom("gpt-4o-mini", "claude-sonnet-4-5", "acme-x", "unknown"),
      inputTokens: count,
      outputTokens: count,
      costUsd: fc.double({ min: 0, max: 1e6, noNaN: true }),
      tenantId: fc.string({ maxLength: 8 }),
    },
    { requiredKeys: ["provider", "model"] },
  )
  .map((event) => JSON.stringify(event));
const hostileLine = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.jsonValue().map((value) => JSON.stringify(value) ?? "null"),
  fc.constant('{"provider": "openai", "model": "gpt-4o", "inputTokens": 1e308}'),
  fc.constant('{"provider": "openai", "model": "gpt-4o", "costUsd": -1}'),
  // Read as an object without fields, "[]" once became an event with a fresh id on every import.
  fc.constantFrom("[]", "[1]", "{}"),
);
const importFile = fc.array(fc.oneof({ weight: 4, arbitrary: eventLine }, hostileLine), {
  maxLength: 12,
});

describe("importing hostile files twice (fast-check)", () => {
  it("adds nothing the second time and never prints a non-finite total", async () => {
    await fc.assert(
      fc.asyncProperty(importFile, async (lines) => {
        runs += 1;
        const store = createSqliteStore(join(folder, `import-${runs}.db`));
        try {
          const file = join(folder, `import-${runs}.jsonl`);
          writeFileSync(file, lines.join("\n"));
          const args = ["usage", "import", file, "--skip-invalid", "--default-time", "2026-06-01"];
          const first = await runInProcess(args, { store, cwd: folder });
          expect([0, 1], first.stderr).toContain(first.code);
          const once = totals(await allEvents(store));
          const second = await runInProcess(args, { store, cwd: folder });
          expect(second.code, second.stderr).toBe(first.code);
          expect(totals(await allEvents(store))).toEqual(once);
          if (second.code === 0) expect(second.stdout).toContain("Imported 0 events");

          const shown = await runInProcess(["usage", "show", "--period", "all", "--tz", "UTC"], {
            store,
            cwd: folder,
            env: { NO_COLOR: "1" },
          });
          expect([0, 1]).toContain(shown.code);
          expect(shown.stdout).not.toMatch(/∞|NaN|Infinity/);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});

// Mostly plausible prices, so that many files pass and price calls; some out of bounds or not numbers.
const hostilePrice = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
  // Finite, but large enough to overflow the cost unless the bound refuses them.
  { weight: 3, arbitrary: fc.constantFrom(1e6, 1e6 + 1, 1e303, Number.MAX_VALUE) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom(-1, "2.5", null, true)) },
);
const unitPrices = fc.dictionary(fc.constantFrom(...UNIT_PRICE_KEYS), hostilePrice, {
  maxKeys: 4,
});
const priceFile = fc.record({
  prices: fc.array(
    fc.record({
      provider: fc.constantFrom("openai", "acme"),
      model: fc.constantFrom("gpt-4o", "gpt-4o-mini", "acme-x", "acme-y"),
      prices: unitPrices,
    }),
    { maxLength: 4 },
  ),
});

describe("hostile price files (fast-check)", () => {
  it("are refused with a PriceFileError, or price every event finitely without stopping the ledger", async () => {
    await fc.assert(
      fc.asyncProperty(
        priceFile,
        fc.array(
          fc.record({
            provider: fc.constantFrom("openai", "acme"),
            model: fc.constantFrom("gpt-4o", "gpt-4o-mini", "acme-x", "acme-y"),
            inputTokens: plausibleCount,
            outputTokens: plausibleCount,
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (file, calls) => {
          runs += 1;
          // Through JSON, as from a file: NaN and Infinity become null.
          const data = JSON.parse(JSON.stringify(file)) as unknown;
          let custom: ReturnType<typeof parseCustomPrices>;
          try {
            custom = parseCustomPrices(data, "prices.json");
          } catch (error) {
            expect(PriceFileError.isInstance(error)).toBe(true);
            expect((error as Error).message).toMatch(/^prices\.json: /);
            return;
          }
          const book = createPriceBook({ customPrices: custom.entries, diagnostics: () => {} });
          for (const call of calls) {
            const cost = book.calculateCost(call, call);
            if (cost !== null) expect(Number.isFinite(cost.costNanoUsd)).toBe(true);
          }
          const ledger = join(folder, `prices-${runs}.db`);
          const meter = createMeter({
            ledger,
            pricing: book,
            configContext: { env: {}, cwd: folder },
            diagnostics: () => {},
          });
          for (const [index, call] of calls.entries())
            meter.record({ id: `call-${index}`, ...call });
          await meter.shutdown();
          const store = createSqliteStore(ledger);
          try {
            const events = await allEvents(store);
            expect(events).toHaveLength(calls.length);
            for (const event of events)
              if (event.costUsd !== undefined) expect(Number.isFinite(event.costUsd)).toBe(true);
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
