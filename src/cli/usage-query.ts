import type { Command } from "commander";
import { resolveConfig } from "../config/resolve-config.ts";
import { resolvePeriod } from "../stats/period.ts";
import { assertTimeZone, localTimeZone } from "../stats/time-buckets.ts";
import type { ResolvedPeriod, UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import type { CliContext } from "./cli-context.ts";
import { CliError, CliUsageError } from "./cli-errors.ts";
import { parseDateBound } from "./parse-date.ts";

/** The flags shared by every command that reads the ledger. */
export interface QueryFlags {
  db?: string;
  json?: boolean;
  tz?: string;
  period?: string;
  since?: string;
  until?: string;
  tenant?: string;
  user?: string;
  provider?: string;
  model?: string;
  kind?: string;
  session?: string;
}

/** Which events a command covers, resolved to instants in one time zone. */
export interface ResolvedQuery {
  filter: UsageFilter;
  period: ResolvedPeriod;
  filters: Omit<UsageFilter, "sinceMs" | "untilMs">;
  timeZone: string;
}

/** Adds `--db`. */
export function addLedgerOption(command: Command): Command {
  return command.option(
    "--db <location>",
    "ledger: a SQLite file path or a postgres:// URL (default: the db setting, .llmeter/usage.db)",
  );
}

/** Adds `--db`, `--tz` and the event filters. */
export function addQueryOptions(command: Command, options: { session?: boolean } = {}): Command {
  addLedgerOption(command)
    .option("--period <period>", "1h, 24h, 7d, 30d, all, or any <n>m|h|d|w (default: all)")
    .option("--since <date>", "from this day or time (2026-11-20, 2026-11-20T18:30, ...Z)")
    .option("--until <date>", "up to this day (inclusive) or time (exclusive)")
    .option("--tenant <id>", "only this tenant")
    .option("--user <id>", "only this user")
    .option("--provider <name>", "only this provider (openai, anthropic, ...)")
    .option("--model <name>", "only this model")
    .option("--kind <kind>", "only this kind: llm, embedding, ocr, other");
  if (options.session !== false)
    command.option("--session <id>", 'only this session; "latest" for the most recent one');
  return command.option(
    "--tz <zone>",
    "IANA time zone for days, weeks and months (default: the timeZone setting, else the machine's)",
  );
}

/**
 * The ledger location: `--db`, else LLMETER_DB, else LLMETER_DATABASE_URL, else the config file,
 * else the default (the order of every entry point, see config/ledger-location.ts).
 */
export function ledgerLocation(flags: { db?: string }, context: CliContext): string {
  const config = resolveConfig(flags.db === undefined ? {} : { db: flags.db }, {
    env: context.env,
    cwd: context.cwd,
  });
  return config.values.db;
}

/** The time zone for buckets: `--tz`, else the timeZone setting, else the machine's. */
export function resolveTimeZone(flags: { tz?: string }, context: CliContext): string {
  if (flags.tz !== undefined) {
    try {
      assertTimeZone(flags.tz);
    } catch (error) {
      throw new CliUsageError(`--tz: ${(error as Error).message}`);
    }
    return flags.tz;
  }
  const config = resolveConfig({}, { env: context.env, cwd: context.cwd });
  return config.values.timeZone ?? localTimeZone();
}

const KINDS = ["llm", "embedding", "ocr", "other"];

/** Turns the flags into a filter; `--session latest` asks the store for the newest session. */
export async function resolveQuery(
  flags: QueryFlags,
  context: CliContext,
  store: UsageStore,
): Promise<ResolvedQuery> {
  const timeZone = resolveTimeZone(flags, context);
  const filters: ResolvedQuery["filters"] = {};
  if (flags.tenant !== undefined) filters.tenantId = flags.tenant;
  if (flags.user !== undefined) filters.userId = flags.user;
  if (flags.provider !== undefined) filters.provider = flags.provider.trim().toLowerCase();
  if (flags.model !== undefined) filters.model = flags.model;
  if (flags.kind !== undefined) {
    if (!KINDS.includes(flags.kind))
      throw new CliUsageError(`--kind "${flags.kind}" is unknown. Use one of ${KINDS.join(", ")}.`);
    filters.kind = flags.kind;
  }

  const { period, bounds } = resolveBounds(flags, context, timeZone);
  if (flags.session !== undefined) {
    filters.sessionId =
      flags.session === "latest"
        ? await latestSession(store, { ...filters, ...bounds })
        : flags.session;
  }
  return { filter: { ...filters, ...bounds }, period, filters, timeZone };
}

function resolveBounds(
  flags: QueryFlags,
  context: CliContext,
  timeZone: string,
): { period: ResolvedPeriod; bounds: Pick<UsageFilter, "sinceMs" | "untilMs"> } {
  if (flags.since !== undefined || flags.until !== undefined) {
    if (flags.period !== undefined)
      throw new CliUsageError(
        "--period cannot be combined with --since or --until. Use one or the other.",
      );
    const bounds: Pick<UsageFilter, "sinceMs" | "untilMs"> = {};
    const period: ResolvedPeriod = { name: "custom" };
    if (flags.since !== undefined) {
      bounds.sinceMs = parseDateBound(flags.since, timeZone, { flag: "--since" });
      period.since = new Date(bounds.sinceMs).toISOString();
    }
    if (flags.until !== undefined) {
      bounds.untilMs = parseDateBound(flags.until, timeZone, { flag: "--until", endOfDay: true });
      period.until = new Date(bounds.untilMs).toISOString();
    }
    if (
      bounds.sinceMs !== undefined &&
      bounds.untilMs !== undefined &&
      bounds.untilMs <= bounds.sinceMs
    )
      throw new CliUsageError(`--until (${period.until}) must be after --since (${period.since}).`);
    return { period, bounds };
  }
  try {
    const { sinceMs, untilMs, resolved } = resolvePeriod(flags.period ?? "all", context.now());
    const bounds: Pick<UsageFilter, "sinceMs" | "untilMs"> = {};
    if (sinceMs !== undefined) bounds.sinceMs = sinceMs;
    if (untilMs !== undefined) bounds.untilMs = untilMs;
    return { period: resolved, bounds };
  } catch (error) {
    throw new CliUsageError(`--period: ${(error as Error).message}`);
  }
}

async function latestSession(store: UsageStore, filter: UsageFilter): Promise<string> {
  const [latest] = await store.listSessions({ limit: 1, filter });
  if (latest === undefined)
    throw new CliError(
      "No session found for --session latest: no recorded call in this period has a sessionId. Record calls inside withAttribution({ sessionId }) or pass a session id.",
    );
  return latest.sessionId;
}
