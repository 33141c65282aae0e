// Issue 19 item 5: usage show tells a model the catalog prices (its calls were stored without a
// cost: reprice) from a model nobody prices (a price file: `prices template`, whose null prices
// fail validation until they are filled in, never a silent $0).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { PriceFileError, parseCustomPrices } from "../../src/pricing/custom-prices.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "./cli-harness.ts";

function call(id: number, provider: string, model: string): UsageEvent {
  return {
    id: `0190a1b2-0000-7000-8000-0000000000${10 + id}`,
    timestamp: `2026-11-0${1 + (id % 9)}T10:00:00.000Z`,
    kind: "llm",
    operation: "chat",
    provider,
    model,
    success: true,
    inputTokens: 1000,
    outputTokens: 100,
  };
}

let store: UsageStore;
let cwd: string;

beforeEach(async () => {
  store = createMemoryStore();
  // Stored without a cost: two of a model the catalog knows (imported), three nobody prices.
  await store.append([
    call(1, "openai", "gpt-4o"),
    call(2, "openai", "gpt-4o"),
    call(3, "acme", "acme-large"),
    call(4, "acme", "acme-large"),
    call(5, "acme", "acme-large"),
  ]);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-unpriced-"));
  writeFileSync(join(cwd, "ledger.db"), "");
});

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  runInProcess(argv, { store, cwd, env: { NO_COLOR: "1", ...env }, columns: 200 });
const show = (...flags: string[]) =>
  run(["usage", "show", "--db", "ledger.db", "--period", "all", "--tz", "UTC", ...flags]);

describe("usage show tells unpriced models apart", () => {
  it("--json: reprice for the model the catalog knows, a price file for the one nobody prices", async () => {
    const result = await show("--json");
    expect(result.code).toBe(0);
    const { unpricedModels } = JSON.parse(result.stdout);
    expect(unpricedModels).toEqual([
      {
        model: "acme-large",
        providers: ["acme"],
        requests: 3,
        fix: "price-file",
        priceEntryId: null,
        command: "llmeter prices template acme-large --provider acme > prices.json",
      },
      {
        model: "gpt-4o",
        providers: ["openai"],
        requests: 2,
        fix: "reprice",
        priceEntryId: "openai/gpt-4o",
        command: "llmeter reprice --model gpt-4o --provider openai",
      },
    ]);
  });

  it("text: each model with its fix, under the table and with --by none", async () => {
    for (const flags of [[], ["--by", "none"]]) {
      const { stdout } = await show(...flags);
      const line = (model: string) =>
        stdout.split("\n").find((text) => text.includes(`${model} (`));
      expect(line("gpt-4o")).toContain("priced by openai/gpt-4o now");
      expect(line("gpt-4o")).toContain("llmeter reprice --model gpt-4o --provider openai");
      expect(line("acme-large")).toContain("nobody prices this model");
      expect(line("acme-large")).toContain("llmeter prices template acme-large --provider acme");
    }
  });

  it("a model priced by the user's price file is a reprice, not a template", async () => {
    writeFileSync(
      join(cwd, "prices.json"),
      JSON.stringify({
        prices: [{ provider: "acme", model: "acme-large", prices: { input: 1, output: 2 } }],
      }),
    );
    const result = await show("--json");
    const models = JSON.parse(
      (
        await run(["usage", "show", "--db", "ledger.db", "--period", "all", "--json"], {
          LLMETER_PRICES: "prices.json",
        })
      ).stdout,
    ).unpricedModels;
    expect(JSON.parse(result.stdout).unpricedModels[0].fix).toBe("price-file");
    expect(models.find((model: { model: string }) => model.model === "acme-large")).toMatchObject({
      fix: "reprice",
      priceEntryId: "acme/acme-large",
    });
  });
});

describe("prices template", () => {
  it("prints a price file that fails validation until its prices are filled in", async () => {
    const result = await run(["prices", "template", "acme-large", "--provider", "acme"]);
    expect(result.code).toBe(0);
    const template = JSON.parse(result.stdout);
    expect(template.prices[0]).toMatchObject({
      provider: "acme",
      model: "acme-large",
      prices: { input: null, output: null },
    });
    expect(() => parseCustomPrices(template, "prices.json")).toThrow(PriceFileError);
    expect(() => parseCustomPrices(template, "prices.json")).toThrow(
      /entry prices\[0\] \("acme\/acme-large"\), field "prices.input": expected a price .* got null/,
    );
    template.prices[0].prices = { input: 0.5, output: 1.5 };
    expect(parseCustomPrices(template, "prices.json").entries[0]?.prices).toEqual({
      input: 0.5,
      output: 1.5,
    });
    expect(result.stderr).toContain("Fill in every null price");
  });

  it("never offers a $0 placeholder", async () => {
    const result = await run(["prices", "template", "a", "b"]);
    expect(result.stdout).not.toMatch(/:\s*0\b/);
    expect(JSON.parse(result.stdout).prices).toHaveLength(2);
  });
});

describe("more unpriced models than the list holds", () => {
  it("says how many calls of the other models are left out of the list", async () => {
    const many = createMemoryStore();
    await many.append(
      Array.from({ length: 12 }, (_, index) => ({
        ...call(index, "acme", `acme-${index}`),
        id: `0190a1b2-0000-7000-8000-0000000001${String(index).padStart(2, "0")}`,
      })),
    );
    const { stdout } = await runInProcess(
      ["usage", "show", "--db", "ledger.db", "--period", "all", "--tz", "UTC"],
      { store: many, cwd, env: { NO_COLOR: "1" }, columns: 200 },
    );
    expect(stdout).toContain("* 12 calls have no cost");
    expect(stdout).toContain("and 2 calls of other models");
  });
});
