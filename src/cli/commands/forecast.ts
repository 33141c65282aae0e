import type { Command } from "commander";
import { forecastLedgerSpend, type SpendForecast } from "../../forecast/ledger-spend-forecast.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { formatUsd } from "../format/numbers.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { withLedger } from "../open-ledger.ts";
import { addLedgerOption, resolveTimeZone } from "../usage-query.ts";

/** The `--json` shape of `llmeter forecast`. */
export const FORECAST_SCHEMA_VERSION = 1;

interface ForecastFlags {
  db?: string;
  tz?: string;
  by?: string;
  tenant?: string;
  monthLimitUsd?: string;
  json?: boolean;
}

/** `llmeter forecast`: projected month-end spend, overall or per tenant, with an 80 % range. */
export function registerForecastCommand(program: Command, context: CliContext): void {
  addLedgerOption(
    program
      .command("forecast")
      .description(
        "projected spend at the end of the month (80 % range), from daily spend with weekday seasonality",
      )
      .option("--by <grouping>", "tenant: one forecast per tenant (default: one overall)")
      .option("--tenant <id>", "only this tenant's spend")
      .option("--tz <zone>", "IANA time zone for days and months (default: the tz setting)")
      .option("--month-limit-usd <amount>", "say on which day the projection reaches this amount")
      .option("--json", "print JSON (see docs/json-output.md)"),
  ).action(async (flags: ForecastFlags) => {
    if (flags.by !== undefined && flags.by !== "tenant") {
      throw new CliUsageError(`--by "${flags.by}" is unknown. Use tenant, or leave it out.`);
    }
    const monthLimitUsd = parseLimit(flags.monthLimitUsd);
    const timeZone = resolveTimeZone(flags, context);
    const nowMs = context.now();
    const forecasts = await withLedger(flags, context, { create: false }, async (store) => {
      const base = flags.tenant === undefined ? {} : { tenantId: flags.tenant };
      const scopes: Array<{ scope: string; tenantId?: string }> = [];
      if (flags.by === "tenant") {
        const groups = await store.aggregate({
          filter: { ...base, sinceMs: nowMs - 62 * 86_400_000 },
          groupBy: ["tenant"],
          timeZone,
        });
        for (const group of groups.groupsBy.tenant ?? []) {
          scopes.push({ scope: `tenant:${group.key}`, tenantId: group.key });
        }
      } else {
        scopes.push({
          scope: flags.tenant === undefined ? "all" : `tenant:${flags.tenant}`,
          ...base,
        });
      }
      const found: SpendForecast[] = [];
      for (const { scope, tenantId } of scopes) {
        const forecast = await forecastLedgerSpend(store, {
          nowMs,
          timeZone,
          scope,
          filter: tenantId === undefined ? {} : { tenantId },
          monthLimitUsd,
        });
        if (forecast !== undefined) found.push(forecast);
      }
      return found;
    });
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: FORECAST_SCHEMA_VERSION,
          forecastAt: new Date(nowMs).toISOString(),
          timeZone,
          forecasts,
        }),
      );
      return;
    }
    if (forecasts.length === 0) {
      await writeOut(context.stdout, "No spend in the last 62 days to forecast from.\n");
      return;
    }
    const { colors } = layoutFor(context);
    const table = renderTable(
      [
        { title: "Scope" },
        { title: "Month to date", align: "right" },
        { title: "Projected", align: "right" },
        { title: "80 % range", align: "right" },
        { title: "Days fitted", align: "right" },
        { title: "Limit reached" },
      ],
      forecasts.map((forecast) => [
        forecast.scope,
        formatUsd(forecast.monthEnd.spentUsd),
        formatUsd(forecast.monthEnd.projectedUsd),
        `${formatUsd(forecast.monthEnd.lowUsd)}–${formatUsd(forecast.monthEnd.highUsd)}`,
        String(forecast.observedDays),
        forecast.monthEnd.reachesLimitOn === undefined
          ? ""
          : `on track to reach it by ${forecast.monthEnd.reachesLimitOn}`,
      ]),
      colors,
    );
    await writeOut(context.stdout, `${table}\n`);
  });
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const amount = Number(value);
  if (!Number.isFinite(amount) || amount <= 0) {
    throw new CliUsageError(
      `--month-limit-usd "${value}" is not a positive amount in USD, e.g. 500.`,
    );
  }
  return amount;
}
