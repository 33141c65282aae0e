import type { CliContext } from "../cli/cli-context.ts";
import { CliError, CliUsageError } from "../cli/cli-errors.ts";
import { type QueryFlags, type ResolvedQuery, resolveQuery } from "../cli/usage-query.ts";
import type { UsageStore } from "../store/usage-store.ts";

/** A request the API cannot answer as asked: served as HTTP 400 with `message`. */
export class DashboardRequestError extends Error {
  override readonly name = "DashboardRequestError";
}

/** URL query parameters the API reads, and the CLI flag each one stands for. */
const PARAMETER_FLAGS: Readonly<Record<string, keyof QueryFlags>> = {
  period: "period",
  since: "since",
  until: "until",
  tenant: "tenant",
  user: "user",
  provider: "provider",
  model: "model",
  kind: "kind",
  session: "session",
  tz: "tz",
};

/** Parameters that are not filters but are allowed in the URL. */
const OTHER_PARAMETERS = new Set(["groupBy", "token", "stackBy", "limit"]);

/**
 * Turns the URL's query into the CLI's flags, so the page and `llmeter usage show --json` resolve
 * the same filters the same way (same period rules, same errors). Unknown or repeated parameters
 * are refused rather than ignored: a typo must not silently widen a filter.
 */
export function flagsFromSearchParams(
  parameters: URLSearchParams,
  defaults: { timeZone: string },
): QueryFlags {
  const flags: QueryFlags = {};
  for (const name of new Set(parameters.keys())) {
    const values = parameters.getAll(name);
    if (values.length > 1)
      throw new DashboardRequestError(
        `Query parameter "${name}" is given ${values.length} times; give it once.`,
      );
    const flag = PARAMETER_FLAGS[name];
    if (flag === undefined) {
      if (OTHER_PARAMETERS.has(name)) continue;
      throw new DashboardRequestError(
        `Unknown query parameter "${name}". Use ${[...Object.keys(PARAMETER_FLAGS), ...OTHER_PARAMETERS].join(", ")}.`,
      );
    }
    const value = values[0]!;
    if (value === "") continue;
    (flags as Record<string, string>)[flag] = value;
  }
  flags.tz ??= defaults.timeZone;
  return flags;
}

/**
 * Resolves the URL's filters against `store` with the CLI's own resolver. The CLI context it
 * needs is reduced to a clock: the time zone is always given, so nothing else is read.
 */
export async function resolveDashboardQuery(
  parameters: URLSearchParams,
  store: UsageStore,
  options: { timeZone: string; now: () => number },
): Promise<ResolvedQuery> {
  const flags = flagsFromSearchParams(parameters, { timeZone: options.timeZone });
  const context = { now: options.now, env: {}, cwd: process.cwd() } as unknown as CliContext;
  try {
    return await resolveQuery(flags, context, store);
  } catch (error) {
    if (CliUsageError.isInstance(error) || CliError.isInstance(error))
      throw new DashboardRequestError(
        (error as Error).message.replace(/--(\w+)/g, (_match, name: string) => `"${name}"`),
      );
    throw error;
  }
}
