import type { Command } from "commander";
import { checkLedgerAlert } from "../../alerts/check-ledger-alerts.ts";
import {
  describeHealthScope,
  type HealthAlertStatus,
} from "../../alerts/health-alert-evaluator.ts";
import {
  HEALTH_METRICS,
  type HealthAlertRule,
  type HealthMetric,
  type ResolvedHealthAlertRule,
  resolveHealthAlertRule,
} from "../../alerts/health-alert-rule.ts";
import { type LedgerAlertRules, openLedgerAlertRules } from "../../alerts/ledger-alert-rules.ts";
import { resolveConfig } from "../../config/resolve-config.ts";
import type { UsageStore } from "../../store/usage-store.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatUsd } from "../format/numbers.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { isDatabaseUrl, withLedger } from "../open-ledger.ts";
import { addLedgerOption } from "../usage-query.ts";

/** The `--json` shape of `alert list` and `alert check`. */
export const ALERT_SCHEMA_VERSION = 1;

interface SetFlags {
  db?: string;
  metric: string;
  above: string;
  window?: string;
  minCalls?: string;
  baseline?: string;
  provider?: string;
  model?: string;
  tenant?: string;
}

type RuleSource = "ledger" | "config";

/** `llmeter alert set|list|remove|check`: health alert rules kept in the ledger, and their state. */
export function registerAlertCommand(program: Command, context: CliContext): void {
  const alert = program
    .command("alert")
    .description(
      "health alerts: p95 latency, time to first token, error rate, spend per hour, spend spikes",
    );

  addLedgerOption(
    alert
      .command("set <id>")
      .description("add or replace a health alert rule")
      .requiredOption("--metric <metric>", HEALTH_METRICS.join(", "))
      .requiredOption(
        "--above <bound>",
        "ms for the percentiles, a share 0..1 for errorRate, USD/hour, or a multiple for spendSpike",
      )
      .option("--window <duration>", "rolling window, e.g. 5m, 1h (default 5m; 1h for spend)")
      .option("--min-calls <count>", "calls in the window below which the rule says nothing")
      .option("--baseline <duration>", "spendSpike: the window of the usual rate (default 24h)")
      .option("--provider <name>", "only calls to this provider")
      .option("--model <name>", "only calls to this model")
      .option("--tenant <id>", "only calls of this tenant"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter alert set slow-openai --metric latencyP95Ms --above 5000 --provider openai\n  llmeter alert set burn --metric spendSpike --above 5 --window 1h --baseline 24h",
    )
    .action(async (id: string, flags: SetFlags) => {
      const rule = ruleFromFlags(id, flags);
      await withAlertRules(flags, context, true, async (rules) => rules.save(rule, context.now()));
      await writeOut(
        context.stdout,
        `Health alert "${rule.id}" saved: ${rule.metric} above ${rule.above} (${describeHealthScope(rule.scope)}). Meters using this ledger apply it from their next start.\n`,
      );
    });

  addLedgerOption(
    alert
      .command("list")
      .description("the health alert rules: from the ledger and from the alerts setting")
      .option("--json", "print JSON"),
  ).action(async (flags: { db?: string; json?: boolean }) => {
    const rules = await withStoreAndRules(flags, context, async (_store, ledgerRules) =>
      allRules(ledgerRules, context),
    );
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: ALERT_SCHEMA_VERSION,
          alerts: rules.map(({ rule, source }) => ({ ...plainRule(rule), source })),
        }),
      );
      return;
    }
    if (rules.length === 0) {
      await writeOut(context.stdout, NO_RULES);
      return;
    }
    const { colors } = layoutFor(context);
    const table = renderTable(
      [
        { title: "Id" },
        { title: "Metric" },
        { title: "Above", align: "right" },
        { title: "Window" },
        { title: "Min calls", align: "right" },
        { title: "Scope" },
        { title: "Source" },
      ],
      rules.map(({ rule, source }) => [
        rule.id,
        rule.metric,
        formatBound(rule.metric, rule.above),
        windowText(rule),
        String(rule.minCalls),
        describeHealthScope(rule.scope),
        source,
      ]),
      colors,
    );
    await writeOut(context.stdout, `${table}\n`);
  });

  addLedgerOption(
    alert.command("remove <id>").description("delete a health alert rule kept in the ledger"),
  ).action(async (id: string, flags: { db?: string }) => {
    const removed = await withAlertRules(flags, context, false, async (rules) => rules.remove(id));
    if (!removed)
      throw new CliError(
        `No health alert "${id}" in the ledger. See them with: llmeter alert list (rules from the alerts setting are removed from the config).`,
      );
    await writeOut(context.stdout, `Health alert "${id}" removed.\n`);
  });

  addLedgerOption(
    alert
      .command("check")
      .description(
        "each rule's value over its window now, from the ledger's calls: firing, ok, or quiet (too few calls)",
      )
      .option("--json", "print JSON")
      .option("--fail", "exit with code 1 when a rule is firing (for cron jobs and CI)"),
  ).action(async (flags: { db?: string; json?: boolean; fail?: boolean }) => {
    const nowMs = context.now();
    const statuses = await withStoreAndRules(flags, context, async (store, ledgerRules) => {
      const checked: Array<HealthAlertStatus & { window: string; source: RuleSource }> = [];
      for (const { rule, source } of allRules(ledgerRules, context)) {
        const status = await checkLedgerAlert(store, rule, nowMs);
        checked.push({ ...status, window: windowText(rule), source });
      }
      return checked;
    });
    const firing = statuses.filter((status) => status.firing);
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({
          schemaVersion: ALERT_SCHEMA_VERSION,
          checkedAt: new Date(nowMs).toISOString(),
          alerts: statuses.map((status) => ({ ...status, state: stateOf(status) })),
        }),
      );
    } else if (statuses.length === 0) {
      await writeOut(context.stdout, NO_RULES);
    } else {
      const { colors } = layoutFor(context);
      const table = renderTable(
        [
          { title: "Id" },
          { title: "Metric" },
          { title: "Scope" },
          { title: "Window" },
          { title: "Value", align: "right" },
          { title: "Above", align: "right" },
          { title: "Calls", align: "right" },
          { title: "State" },
        ],
        statuses.map((status) => [
          status.alertId,
          status.metric,
          status.scope,
          status.window,
          status.value === undefined ? "" : formatBound(status.metric, status.value),
          formatBound(status.metric, status.above),
          `${status.calls} (min ${status.minCalls})`,
          status.firing ? colors.bold("firing") : stateOf(status),
        ]),
        colors,
      );
      await writeOut(context.stdout, `${table}\n`);
    }
    if (flags.fail === true && firing.length > 0)
      throw new CliError(
        `${firing.length} health alert${firing.length === 1 ? " is" : "s are"} firing: ${firing.map((status) => status.alertId).join(", ")}`,
      );
  });
}

const NO_RULES =
  "No health alerts. Add one with: llmeter alert set slow --metric latencyP95Ms --above 5000\n";

/** `firing`; `quiet` below the minimum calls (the rule says nothing); else `ok`. */
function stateOf(status: HealthAlertStatus): "firing" | "ok" | "quiet" {
  if (status.firing) return "firing";
  return status.calls < status.minCalls ? "quiet" : "ok";
}

function allRules(
  ledgerRules: readonly HealthAlertRule[],
  context: CliContext,
): Array<{ rule: ResolvedHealthAlertRule; source: RuleSource }> {
  const config = resolveConfig({}, { env: context.env, cwd: context.cwd });
  try {
    const fromConfig = (config.values.alerts ?? []).map((rule) =>
      resolveHealthAlertRule(rule as HealthAlertRule, "the alerts setting"),
    );
    const own = new Set(fromConfig.map((rule) => rule.id));
    return [
      ...fromConfig.map((rule) => ({ rule, source: "config" as const })),
      ...ledgerRules
        .filter((rule) => !own.has(rule.id))
        .map((rule) => ({
          rule: resolveHealthAlertRule(rule, "the ledger's alert rules"),
          source: "ledger" as const,
        })),
    ];
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** Runs `work` with the store and the ledger's saved rules (none on PostgreSQL). */
async function withStoreAndRules<T>(
  flags: { db?: string },
  context: CliContext,
  work: (store: UsageStore, ledgerRules: readonly HealthAlertRule[]) => Promise<T>,
): Promise<T> {
  return withLedger(flags, context, { create: false }, async (store, location) => {
    if (isDatabaseUrl(location)) return work(store, []);
    const rules = openRules(location);
    let saved: HealthAlertRule[];
    try {
      saved = rules.list();
    } finally {
      rules.close();
    }
    return work(store, saved);
  });
}

async function withAlertRules<T>(
  flags: { db?: string },
  context: CliContext,
  create: boolean,
  work: (rules: LedgerAlertRules) => T,
): Promise<T> {
  return withLedger(flags, context, { create }, async (_store, location) => {
    if (isDatabaseUrl(location))
      throw new CliError(
        "Health alert rules are kept in SQLite ledgers; with PostgreSQL, put them in the alerts setting (LLMETER_ALERTS or .llmeter/config.json). See docs/alerts.md.",
      );
    const rules = openRules(location);
    try {
      return work(rules);
    } finally {
      rules.close();
    }
  });
}

function openRules(location: string): LedgerAlertRules {
  try {
    return openLedgerAlertRules(location);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function ruleFromFlags(id: string, flags: SetFlags): HealthAlertRule {
  const rule: HealthAlertRule = {
    id,
    metric: flags.metric as HealthMetric,
    above: numberFlag("--above", flags.above),
  };
  if (flags.window !== undefined) rule.window = flags.window;
  if (flags.baseline !== undefined) rule.baseline = flags.baseline;
  if (flags.minCalls !== undefined) rule.minCalls = numberFlag("--min-calls", flags.minCalls);
  const scope: NonNullable<HealthAlertRule["scope"]> = {};
  if (flags.provider !== undefined) scope.provider = flags.provider;
  if (flags.model !== undefined) scope.model = flags.model;
  if (flags.tenant !== undefined) scope.tenantId = flags.tenant;
  if (Object.keys(scope).length > 0) rule.scope = scope;
  try {
    resolveHealthAlertRule(rule, "alert set");
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  return rule;
}

function numberFlag(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number))
    throw new CliUsageError(`${flag} ${JSON.stringify(value)}: expected a number.`);
  return number;
}

/** The rule as written (no resolved durations), for `list --json`. */
function plainRule(rule: ResolvedHealthAlertRule): HealthAlertRule {
  const { windowMs: _windowMs, baselineMs: _baselineMs, ...own } = rule;
  return own;
}

function windowText(rule: ResolvedHealthAlertRule): string {
  const window = rule.window ?? `${rule.windowMs / 60_000}m`;
  return rule.metric === "spendSpike" ? `${window} vs ${rule.baseline ?? "24h"}` : window;
}

function formatBound(metric: HealthMetric, value: number): string {
  switch (metric) {
    case "latencyP95Ms":
    case "timeToFirstTokenP95Ms":
      return `${Math.round(value)} ms`;
    case "errorRate":
      return `${(value * 100).toFixed(1)} %`;
    case "spendPerHourUsd":
      return `${formatUsd(value)}/h`;
    case "spendSpike":
      return `${value.toFixed(1)}×`;
  }
}
