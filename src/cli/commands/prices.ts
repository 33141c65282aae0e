import { resolve } from "node:path";
import type { Command } from "commander";
import { resolveConfig } from "../../config/resolve-config.ts";
import { pricesAt } from "../../pricing/calculate-cost.ts";
import { loadCustomPriceFile } from "../../pricing/custom-prices.ts";
import { fetchedPriceBookOptions } from "../../pricing/fetched-catalog.ts";
import { createPriceBook, type PriceBook } from "../../pricing/price-book.ts";
import { priceFileTemplate } from "../../pricing/price-file-template.ts";
import { type PriceEntry, UNIT_PRICE_KEYS, type UnitPrices } from "../../pricing/types.ts";
import type { CliContext } from "../cli-context.ts";
import { writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { registerPricesUpdateCommands } from "./prices-update.ts";

/** Version of every `prices ... --json` shape. */
const SCHEMA_VERSION = 1;

type PricesContext = Pick<CliContext, "stdout" | "stderr" | "env" | "cwd"> & {
  now?: () => number;
};

const UNIT_LABELS: Record<keyof UnitPrices, string> = {
  input: "input / 1M tokens",
  cacheRead: "cache read / 1M tokens",
  cacheWrite: "cache write (5m) / 1M tokens",
  cacheWrite1h: "cache write (1h) / 1M tokens",
  output: "output / 1M tokens",
  reasoning: "reasoning / 1M tokens",
  audioInput: "audio input / 1M tokens",
  audioOutput: "audio output / 1M tokens",
  audioInputMinute: "audio input / minute",
  image: "image",
  request: "request",
  page: "page",
  characters: "1K characters",
};

// The book the CLI prices with: the user's price file (`prices` setting), the catalog fetched by
// `prices update`, the bundled catalog.
export function priceBookFor(context: PricesContext, pricesFile: string | undefined): PriceBook {
  const { values } = resolveConfig(pricesFile === undefined ? {} : { prices: pricesFile }, {
    env: context.env,
    cwd: context.cwd,
  });
  const diagnostics = () => {};
  const fetched = fetchedPriceBookOptions(context.env, context.cwd);
  if (values.prices === undefined) return createPriceBook({ ...fetched, diagnostics });
  const custom = loadCustomPriceFile(resolve(context.cwd, values.prices));
  return createPriceBook({
    customPrices: custom.entries,
    aliases: custom.aliases,
    ...fetched,
    diagnostics,
  });
}

function count(flag: string) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === "" || !Number.isFinite(number) || number < 0) {
      throw new CliUsageError(`--${flag} must be a non-negative number, got "${value}"`);
    }
    return number;
  };
}

function usd(value: number): string {
  return `$${value.toLocaleString("en-US", { maximumFractionDigits: 9 })}`;
}

function entryJson(entry: PriceEntry) {
  return {
    id: entry.id,
    provider: entry.provider,
    model: entry.model,
    name: entry.name ?? null,
    kind: entry.kind ?? null,
    aliases: entry.aliases ?? [],
    prices: entry.prices,
    tiers: entry.tiers ?? [],
    serviceTiers: entry.serviceTiers ?? {},
    dated: entry.dated ?? [],
    regionalMultiplier: entry.regionalMultiplier ?? null,
    layer: entry.layer ?? null,
    source: entry.source,
    checkedAt: entry.checkedAt,
    upstream: entry.upstream ?? null,
    notes: entry.notes ?? null,
  };
}

function priceRows(prices: UnitPrices): string[][] {
  return UNIT_PRICE_KEYS.filter((key) => prices[key] !== undefined).map((key) => [
    UNIT_LABELS[key],
    usd(prices[key] ?? 0),
  ]);
}

/** `llmeter prices show|list|cost`: the price catalog and the cost of one call. */
export function registerPricesCommand(
  program: Command,
  context: PricesContext = processContext(),
): void {
  const prices = program
    .command("prices")
    .description("the price catalog: show a model's prices, list the catalog, cost one call")
    .option("--prices <file>", "a custom price file (default: the prices setting, LLMETER_PRICES)");
  const book = () => priceBookFor(context, prices.opts<{ prices?: string }>().prices);
  registerPricesUpdateCommands(prices, context, book);

  prices
    .command("show <model>")
    .description("the matched entry: unit prices, tiers, service tiers, source and checked date")
    .option("--provider <name>", "the provider the call goes through (openai, azure, bedrock, ...)")
    .option("--json", "print as JSON")
    .action(async (model: string, flags: { provider?: string; json?: boolean }) => {
      const entry = book().findEntry(model, flags.provider);
      if (entry === undefined) {
        if (flags.json === true)
          await writeOut(
            context.stdout,
            toJsonText({ schemaVersion: SCHEMA_VERSION, entry: null }),
          );
        throw new CliError(unknownMessage(model, flags.provider));
      }
      if (flags.json === true) {
        await writeOut(
          context.stdout,
          toJsonText({ schemaVersion: SCHEMA_VERSION, entry: entryJson(entry) }),
        );
        return;
      }
      const { colors } = layoutFor(context as CliContext);
      const lines = [
        `${colors.bold(entry.id)}${entry.name === undefined ? "" : ` (${entry.name})`}`,
        `source: ${entry.source} (checked ${entry.checkedAt}, ${entry.layer ?? "catalog"} layer)`,
      ];
      if (entry.aliases?.length) lines.push(`aliases: ${entry.aliases.join(", ")}`);
      const firstChange = entry.dated?.[0]?.from;
      if (firstChange !== undefined) lines.push(`before ${firstChange}:`);
      lines.push(
        renderTable(
          [{ title: "Unit" }, { title: "USD", align: "right" }],
          priceRows(entry.prices),
          colors,
        ),
      );
      for (const tier of entry.tiers ?? []) {
        lines.push(
          `above ${tier.above.toLocaleString("en-US")} ${tier.basis ?? "input"} tokens (${tier.scope ?? "request"}):`,
          renderTable(
            [{ title: "Unit" }, { title: "USD", align: "right" }],
            priceRows(tier.prices),
            colors,
          ),
        );
      }
      for (const [name, special] of Object.entries(entry.serviceTiers ?? {})) {
        lines.push(
          special.prices === undefined
            ? `${name}: ${special.multiplier ?? 1}× standard`
            : `${name}:\n${renderTable([{ title: "Unit" }, { title: "USD", align: "right" }], priceRows(special.prices), colors)}`,
        );
      }
      for (const change of entry.dated ?? []) {
        lines.push(
          `from ${change.from}:\n${renderTable([{ title: "Unit" }, { title: "USD", align: "right" }], priceRows(change.prices), colors)}`,
        );
      }
      if (entry.regionalMultiplier !== undefined)
        lines.push(`regional endpoints (Bedrock, Vertex): ${entry.regionalMultiplier}× global`);
      if (entry.notes !== undefined) lines.push(`note: ${entry.notes}`);
      await writeOut(context.stdout, `${lines.join("\n")}\n`);
    });

  prices
    .command("template <models...>")
    .description(
      "print a price file to fill in for models nobody prices (its null prices fail validation until you do)",
    )
    .option("--provider <name>", "the provider the calls go through (openai, azure, ...)")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter prices template acme-large --provider acme > prices.json\n  llmeter prices template model-a model-b --provider vllm",
    )
    .action(async (models: string[], flags: { provider?: string }) => {
      const template = priceFileTemplate(
        models.map((model) => ({ model, provider: flags.provider })),
      );
      await writeOut(context.stdout, toJsonText(template));
      context.stderr.write(
        'Fill in every null price (USD per million tokens), "source" and "checkedAt", then point the prices setting (LLMETER_PRICES) at the file. See docs/pricing.md.\n',
      );
    });

  prices
    .command("list")
    .description("every priced model (custom, imported, curated, snapshot layers)")
    .option("--provider <name>", "only this provider")
    .option("--json", "print as JSON")
    .action(async (flags: { provider?: string; json?: boolean }) => {
      const current = book();
      const provider = flags.provider?.toLowerCase();
      const entries = current
        .listEntries()
        .filter((entry) => provider === undefined || entry.provider === provider);
      if (flags.json === true) {
        await writeOut(
          context.stdout,
          toJsonText({
            schemaVersion: SCHEMA_VERSION,
            catalogVersion: current.catalogVersion,
            models: entries.length,
            providers: new Set(entries.map((entry) => entry.provider)).size,
            entries: entries.map(entryJson),
          }),
        );
        return;
      }
      const { colors } = layoutFor(context as CliContext);
      const money = (value: number | undefined) => (value === undefined ? "" : usd(value));
      const now = Date.now();
      const table = renderTable(
        [
          { title: "Provider" },
          { title: "Model" },
          { title: "Input/1M", align: "right" },
          { title: "Output/1M", align: "right" },
          { title: "Cache read/1M", align: "right" },
          { title: "Other" },
          { title: "Checked" },
        ],
        entries.map((entry) => {
          // The prices in force today (dated changes applied).
          const { prices: current, tiers } = pricesAt(entry, now);
          return [
            entry.provider,
            entry.model,
            money(current.input),
            money(current.output),
            money(current.cacheRead),
            [
              current.page === undefined ? "" : `${usd(current.page)}/page`,
              current.request === undefined ? "" : `${usd(current.request)}/request`,
              tiers?.length ? "tiers" : "",
              entry.dated?.length ? "dated" : "",
            ]
              .filter(Boolean)
              .join(" "),
            entry.checkedAt,
          ];
        }),
        colors,
        { compact: true },
      );
      await writeOut(
        context.stdout,
        `${table}\n${entries.length} models, catalog ${current.catalogVersion}\n`,
      );
    });

  prices
    .command("cost <model>")
    .description("the cost of one call (exit code 1 when no price is known)")
    .option("--provider <name>", "the provider the call goes through")
    .option("--input <n>", "input tokens, cache reads and writes included", count("input"))
    .option("--cache-read <n>", "input tokens read from the cache", count("cache-read"))
    .option(
      "--cache-write <n>",
      "input tokens written to a 5-minute (or unspecified) cache",
      count("cache-write"),
    )
    .option(
      "--cache-write-1h <n>",
      "input tokens written to a 1-hour cache",
      count("cache-write-1h"),
    )
    .option("--output <n>", "output tokens, reasoning included", count("output"))
    .option("--reasoning <n>", "output tokens spent on reasoning", count("reasoning"))
    .option("--pages <n>", "pages (OCR)", count("pages"))
    .option("--service-tier <tier>", "standard, batch, flex or priority")
    .option("--region <region>", "endpoint region (global, us-east5, ...)")
    .option("--at <date>", "when the call was made (ISO date), for dated prices")
    .option("--json", "print the calculateCost result as JSON")
    .action(
      async (
        model: string,
        flags: {
          provider?: string;
          input?: number;
          cacheRead?: number;
          cacheWrite?: number;
          cacheWrite1h?: number;
          output?: number;
          reasoning?: number;
          pages?: number;
          serviceTier?: string;
          region?: string;
          at?: string;
          json?: boolean;
        },
      ) => {
        if (flags.at !== undefined && Number.isNaN(Date.parse(flags.at))) {
          throw new CliUsageError(`--at must be a date such as 2025-06-01, got "${flags.at}"`);
        }
        const result = book().calculateCost(
          {
            inputTokens: flags.input,
            cacheReadTokens: flags.cacheRead,
            cacheWrite5mTokens: flags.cacheWrite,
            cacheWrite1hTokens: flags.cacheWrite1h,
            outputTokens: flags.output,
            reasoningTokens: flags.reasoning,
            pages: flags.pages,
          },
          {
            model,
            ...(flags.provider === undefined ? {} : { provider: flags.provider }),
            ...(flags.serviceTier === undefined ? {} : { serviceTier: flags.serviceTier }),
            ...(flags.region === undefined ? {} : { region: flags.region }),
            ...(flags.at === undefined ? {} : { at: flags.at }),
          },
        );
        if (flags.json === true) {
          const body = result ?? { costUsd: null, breakdown: {}, currency: "USD", matched: null };
          await writeOut(
            context.stdout,
            toJsonText({ schemaVersion: SCHEMA_VERSION, model, ...body }),
          );
        }
        if (result === null) throw new CliError(unknownMessage(model, flags.provider));
        if (flags.json === true) return;
        const { colors } = layoutFor(context as CliContext);
        const rows = Object.entries(result.breakdown).map(([unit, value]) => [
          unit,
          usd(value ?? 0),
        ]);
        const table = renderTable(
          [{ title: "Part" }, { title: "USD", align: "right" }],
          rows,
          colors,
          {
            footer: ["total", usd(result.costUsd)],
          },
        );
        const notes = [
          result.serviceTier === "standard" ? "" : `${result.serviceTier} tier`,
          result.longContext ? "long-context rate" : "",
          result.regional ? "regional endpoint" : "",
        ].filter(Boolean);
        await writeOut(
          context.stdout,
          `${model} → ${result.matched.entryId} (${result.matched.source}, checked ${result.matched.checkedAt})${notes.length > 0 ? ` [${notes.join(", ")}]` : ""}\n${table}\n`,
        );
      },
    );
}

function unknownMessage(model: string, provider: string | undefined): string {
  return `no price known for "${model}"${provider === undefined ? "" : ` on provider "${provider}"`}. Check the id with "llmeter prices list", or add it to a price file (see docs/pricing.md).`;
}

function processContext(): PricesContext {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
