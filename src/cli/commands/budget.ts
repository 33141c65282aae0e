import type { Command } from "commander";
import {
  type BudgetLedger,
  openBudgetLedger,
  resolveBudgetRules,
} from "../../budgets/budget-ledger.ts";
import { type BudgetStatus, budgetStatus } from "../../budgets/budget-manager.ts";
import {
  type BudgetRule,
  type BudgetScope,
  describeScope,
  type ResolvedBudgetRule,
  resolveBudgetRule,
  toBudgetRule,
} from "../../budgets/budget-rule.ts";
import { openSyncPostgresBudgetLedger } from "../../budgets/postgres/sync-postgres-budget-ledger.ts";
import { resolveConfig } from "../../config/resolve-config.ts";
import { describeForecastGap, forecastBudget } from "../../forecast/budget-forecast.ts";
import type { ProjectedTotal, SpendForecast } from "../../forecast/ledger-spend-forecast.ts";
import { localTimeZone } from "../../stats/time-buckets.ts";
import type { UsageStore } from "../../store/usage-store.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatPercent, formatUsd } from "../format/numbers.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { isDatabaseUrl, withLedger } from "../open-ledger.ts";
import { addLedgerOption } from "../usage-query.ts";

/** The `--json` shape of `budget list` and `budget check`. */
export const BUDGET_SCHEMA_VERSION = 1;

interface SetFlags {
  db?: string;
  window: string;
  limitUsd?: string;
  limitTokens?: string;
  limitRequests?: string;
  tenant?: string;
  user?: string;
  session?: string;
  provider?: string;
  model?: string;
  attribute?: string[];
  tz?: string;
  thresholds?: string;
  enforce?: boolean;
  renotify?: string;
  alertOnProjection?: boolean;
}

/** `llmeter budget set|list|remove|check`: budget rules kept in the ledger, and where spend stands. */
export function registerBudgetCommand(program: Command, context: CliContext): void {
  const budget = program
    .command("budget")
    .description("budgets: rules kept in the ledger (every process sees them), spend and alerts");

  addLedgerOption(
    budget
      .command("set <id>")
      .description("add or replace a budget rule")
      .requiredOption("--window <window>", "day, week, month, or a rolling duration (24h, 30m, 7d)")
      .option("--limit-usd <amount>", "limit in USD")
      .option("--limit-tokens <count>", "limit in tokens")
      .option("--limit-requests <count>", "limit in requests")
      .option("--tenant <id>", "only calls of this tenant")
      .option("--user <id>", "only calls of this user")
      .option("--session <id>", "only calls of this session")
      .option("--provider <name>", "only calls to this provider")
      .option("--model <name>", "only calls to this model")
      .option("--attribute <key=value...>", "only calls with this attribute (repeatable)")
      .option(
        "--tz <zone>",
        "IANA time zone of day/week/month windows (default: the timeZone setting, else the machine's)",
      )
      .option("--thresholds <percents>", "alert thresholds, comma-separated (default 75,90,100)")
      .option("--enforce", "reject calls that would pass the limit (BudgetExceededError)")
      .option("--renotify <duration>", "alert again for a threshold after this long (e.g. 6h)")
      .option(
        "--alert-on-projection",
        "alert once per window when the forecast passes the USD limit before the window ends",
      ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter budget set daily --window day --limit-usd 50 --enforce\n  llmeter budget set acme-month --tenant acme --window month --tz Europe/Paris --limit-usd 2000",
    )
    .action(async (id: string, flags: SetFlags) => {
      refuseVirtualKeyBudget(id, "set");
      const rule = ruleFromFlags(id, flags, context);
      await withBudgetLedger(flags, context, true, async (ledger) => {
        ledger.saveRule(rule, context.now());
      });
      await writeOut(
        context.stdout,
        `Budget "${rule.id}" saved: ${describeRule(rule)}. Meters using this ledger apply it from their next start.\n`,
      );
    });

  addLedgerOption(
    budget
      .command("list")
      .description("the budget rules: from the ledger and from the budgets setting")
      .option("--json", "print JSON"),
  ).action(async (flags: { db?: string; json?: boolean }) => {
    const rules = await withBudgetLedger(flags, context, false, async (ledger) =>
      allRules(ledger, context),
    );
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: BUDGET_SCHEMA_VERSION,
          budgets: rules.map(({ rule, source }) => ({ ...toBudgetRule(rule), source })),
        }),
      );
      return;
    }
    if (rules.length === 0) {
      await writeOut(
        context.stdout,
        "No budgets. Add one with: llmeter budget set daily --window day --limit-usd 50\n",
      );
      return;
    }
    const { colors } = layoutFor(context);
    const table = renderTable(
      [
        { title: "Id" },
        { title: "Scope" },
        { title: "Window" },
        { title: "Limit" },
        { title: "Enforce" },
        { title: "Source" },
      ],
      rules.map(({ rule, source }) => [
        rule.id,
        describeScope(rule.scope),
        windowText(rule),
        limitText(rule),
        rule.enforce ? "yes" : "no",
        source,
      ]),
      colors,
    );
    await writeOut(context.stdout, `${table}\n`);
  });

  addLedgerOption(
    budget
      .command("remove <id>")
      .description("delete a budget rule kept in the ledger, with its alert history"),
  ).action(async (id: string, flags: { db?: string }) => {
    refuseVirtualKeyBudget(id, "remove");
    const removed = await withBudgetLedger(flags, context, false, async (ledger) =>
      ledger.removeRule(id),
    );
    if (!removed)
      throw new CliError(
        `No budget "${id}" in the ledger. See them with: llmeter budget list (rules from the budgets setting are removed from the config).`,
      );
    await writeOut(context.stdout, `Budget "${id}" removed.\n`);
  });

  addLedgerOption(
    budget
      .command("check")
      .description(
        "spend, remaining, projection and state (ok, warning, critical, exceeded) of each budget",
      )
      .option("--json", "print JSON"),
  ).action(async (flags: { db?: string; json?: boolean }) => {
    const nowMs = context.now();
    const statuses = await withBudgetLedger(flags, context, false, async (ledger, store) => {
      const checked: CheckedBudget[] = [];
      for (const { rule } of allRules(ledger, context)) {
        const status = budgetStatus(rule, ledger.spend(rule, nowMs), nowMs);
        const result = await forecastBudget(store, rule, status, nowMs);
        checked.push(
          result.forecast === undefined
            ? { ...status, forecastGap: describeForecastGap(result.gap) }
            : { ...status, forecast: result.forecast },
        );
      }
      return checked;
    });
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: BUDGET_SCHEMA_VERSION,
          checkedAt: new Date(nowMs).toISOString(),
          budgets: statuses,
        }),
      );
      return;
    }
    if (statuses.length === 0) {
      await writeOut(
        context.stdout,
        "No budgets. Add one with: llmeter budget set daily --window day --limit-usd 50\n",
      );
      return;
    }
    const { colors } = layoutFor(context);
    const table = renderTable(
      [
        { title: "Id" },
        { title: "Scope" },
        { title: "Window" },
        { title: "Spent", align: "right" },
        { title: "Limit", align: "right" },
        { title: "Remaining", align: "right" },
        { title: "Used", align: "right" },
        { title: "Projected", align: "right" },
        { title: "80 % range", align: "right" },
        { title: "State" },
        { title: "Forecast" },
      ],
      statuses.map((status) => statusRow(status, colors.bold)),
      colors,
    );
    await writeOut(context.stdout, `${table}\n`);
  });
}

/** A budget in `budget check`: its status, and its forecast or why it has none. */
type CheckedBudget = BudgetStatus & { forecast?: SpendForecast; forecastGap?: string };

function statusRow(status: CheckedBudget, emphasis: (text: string) => string): string[] {
  // The window end for calendar windows, the month end for rolling ones.
  const projected = status.forecast?.windowEnd ?? status.forecast?.monthEnd;
  return [
    status.id,
    status.scope,
    status.windowKey === "rolling"
      ? `last ${typeof status.rule.window === "object" ? status.rule.window.rolling : status.rule.window}`
      : `${status.windowKey} (ends ${status.windowEnd})`,
    formatUsd(status.spentUsd),
    status.limitUsd === undefined ? limitText(status.rule) : formatUsd(status.limitUsd),
    status.remainingUsd === undefined ? "" : formatUsd(status.remainingUsd),
    formatPercent(status.usedPercent),
    projected === undefined
      ? status.projectedUsd === undefined
        ? ""
        : formatUsd(status.projectedUsd)
      : formatUsd(projected.projectedUsd),
    projected === undefined ? "" : `${formatUsd(projected.lowUsd)}–${formatUsd(projected.highUsd)}`,
    status.state === "ok" ? "ok" : emphasis(status.state),
    forecastText(status, projected),
  ];
}

function forecastText(status: CheckedBudget, projected: ProjectedTotal | undefined): string {
  if (status.forecast === undefined) return status.forecastGap ?? "";
  const where = status.forecast.windowEnd === undefined ? "month end" : "window end";
  if (projected?.reachesLimitOn !== undefined)
    return `on track to exceed by ${projected.reachesLimitOn}`;
  return `${where} ${projected?.at ?? ""}, ${status.forecast.observedDays} days fitted`;
}

function allRules(
  ledger: BudgetLedger,
  context: CliContext,
): Array<{ rule: ResolvedBudgetRule; source: "ledger" | "config" }> {
  const config = resolveConfig({}, { env: context.env, cwd: context.cwd });
  const timeZone = config.values.timeZone ?? localTimeZone();
  let fromConfig: ResolvedBudgetRule[];
  try {
    fromConfig = resolveBudgetRules(config.values.budgets ?? [], { timeZone }, "budgets setting");
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const own = new Set(fromConfig.map((rule) => rule.id));
  return [
    ...fromConfig.map((rule) => ({ rule, source: "config" as const })),
    ...ledger
      .listRules()
      .filter((rule) => !own.has(rule.id))
      .map((rule) => ({ rule, source: "ledger" as const })),
  ];
}

/** Runs `work` with the budget ledger of the ledger named by `--db` (SQLite or PostgreSQL), closing both after. */
export async function withBudgetLedger<T>(
  flags: { db?: string },
  context: CliContext,
  create: boolean,
  work: (ledger: BudgetLedger, store: UsageStore, location: string) => Promise<T>,
): Promise<T> {
  return withLedger(flags, context, { create }, async (store, location) => {
    // On PostgreSQL the budget tables sit in the store's schema (opening the store migrated them).
    const connection = (store as { budgetConnection?: () => { url: string; schema: string } })
      .budgetConnection;
    const ledger = isDatabaseUrl(location)
      ? openSyncPostgresBudgetLedger(
          connection === undefined ? { url: location } : connection.call(store),
        )
      : openBudgetLedger(location);
    try {
      return await work(ledger, store, location);
    } finally {
      ledger.close();
    }
  });
}

/**
 * `key:<id>` is the budget `llmeter keys` keeps for a virtual key's --limit-usd. Changed here, it
 * would disagree with the key's record (and `keys list`), so it is refused with the way that works.
 */
function refuseVirtualKeyBudget(id: string, action: "set" | "remove"): void {
  if (!id.startsWith("key:")) return;
  const keyId = id.slice("key:".length);
  throw new CliUsageError(
    `Budget "${id}" belongs to the virtual key ${keyId} and is kept by llmeter keys, so budget ${action} leaves it alone. To change the key's limit, revoke it and create another: llmeter keys revoke ${keyId} && llmeter keys create --limit-usd <N> (with the same --tenant and --user). Pick another id for a budget of your own.`,
  );
}

function ruleFromFlags(id: string, flags: SetFlags, context: CliContext): ResolvedBudgetRule {
  const scope: BudgetScope = {};
  if (flags.tenant !== undefined) scope.tenantId = flags.tenant;
  if (flags.user !== undefined) scope.userId = flags.user;
  if (flags.session !== undefined) scope.sessionId = flags.session;
  if (flags.provider !== undefined) scope.provider = flags.provider;
  if (flags.model !== undefined) scope.model = flags.model;
  for (const pair of flags.attribute ?? []) {
    const equals = pair.indexOf("=");
    if (equals <= 0)
      throw new CliUsageError(
        `--attribute ${JSON.stringify(pair)}: write it as key=value, e.g. --attribute feature=chat.`,
      );
    scope.attributes ??= {};
    scope.attributes[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  const rule: BudgetRule = { id, scope, window: flags.window, enforce: flags.enforce === true };
  if (flags.alertOnProjection === true) rule.alertOnProjection = true;
  if (flags.limitUsd !== undefined) rule.limitUsd = numberFlag("--limit-usd", flags.limitUsd);
  if (flags.limitTokens !== undefined)
    rule.limitTokens = numberFlag("--limit-tokens", flags.limitTokens);
  if (flags.limitRequests !== undefined)
    rule.limitRequests = numberFlag("--limit-requests", flags.limitRequests);
  if (flags.thresholds !== undefined)
    rule.thresholds = flags.thresholds.split(",").map((part) => numberFlag("--thresholds", part));
  if (flags.renotify !== undefined) {
    const match = /^(\d+)([mhd])$/.exec(flags.renotify);
    if (match === null)
      throw new CliUsageError(
        `--renotify ${flags.renotify}: use a duration such as 30m, 6h or 1d.`,
      );
    rule.renotifyMs =
      Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
  }
  const config = resolveConfig({}, { env: context.env, cwd: context.cwd });
  try {
    return resolveBudgetRule(
      rule,
      { timeZone: flags.tz ?? config.values.timeZone ?? localTimeZone() },
      "budget",
    );
  } catch (error) {
    throw new CliUsageError((error as Error).message.replace(/^budget: /, ""));
  }
}

function numberFlag(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0)
    throw new CliUsageError(`${flag} ${JSON.stringify(value)}: expected a positive number.`);
  return number;
}

function windowText(rule: ResolvedBudgetRule): string {
  return "calendar" in rule.window
    ? `${rule.window.calendar} (${rule.timeZone})`
    : `rolling ${rule.window.rolling}`;
}

function limitText(rule: ResolvedBudgetRule | BudgetRule): string {
  const parts: string[] = [];
  if (rule.limitUsd !== undefined) parts.push(formatUsd(rule.limitUsd));
  if (rule.limitTokens !== undefined) parts.push(`${rule.limitTokens} tokens`);
  if (rule.limitRequests !== undefined) parts.push(`${rule.limitRequests} requests`);
  return parts.join(" / ");
}

function describeRule(rule: ResolvedBudgetRule): string {
  return `${describeScope(rule.scope)}, ${windowText(rule)}, limit ${limitText(rule)}${rule.enforce ? ", enforced" : ""}${rule.alertOnProjection === true ? ", alerts on its projection" : ""}`;
}
