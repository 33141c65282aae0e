import { periodLengthMs } from "../stats/period.ts";
import { assertTimeZone } from "../stats/time-buckets.ts";
import type { AttributeValue, Attribution } from "../usage/usage-event.ts";

/** Which calls a budget covers. Every given field must match; absent fields match anything. */
export interface BudgetScope {
  tenantId?: string;
  userId?: string;
  sessionId?: string;
  provider?: string;
  model?: string;
  /** Free attributes, e.g. `{ feature: "chat" }`. */
  attributes?: Record<string, AttributeValue>;
}

/** A calendar window in a time zone, or a rolling duration such as `24h` / `{ rolling: "7d" }`. */
export type BudgetWindow = "day" | "week" | "month" | string | { rolling: string };

/**
 * A budget: what it covers, over which window, how much it allows, when it alerts and whether it
 * rejects calls.
 *
 * @example
 * { scope: { tenantId: "acme" }, window: "month", timeZone: "Europe/Paris", limitUsd: 2000 }
 */
export interface BudgetRule {
  /** Stable name; defaults to one derived from scope and window. */
  id?: string;
  /** `"global"` (the default) or the fields a call must carry. */
  scope?: "global" | BudgetScope;
  window: BudgetWindow;
  /** IANA zone for day/week/month windows. Default the meter's time zone, else UTC. */
  timeZone?: string;
  limitUsd?: number;
  limitTokens?: number;
  limitRequests?: number;
  /** Percents of the limit that alert. Default `[75, 90, 100]`. */
  thresholds?: number[];
  /** Reject calls whose projected spend would pass the limit. Default false (alerts only). */
  enforce?: boolean;
  /** Alert again for a threshold already fired in this window after this many ms. Default never. */
  renotifyMs?: number;
  /**
   * Also alert, once per window, when the forecast says the spend will pass `limitUsd` before the
   * window ends ("on track to exceed by the 24th"). Calendar windows only. Default false.
   */
  alertOnProjection?: boolean;
}

/** A rule after validation: every default filled in. */
export interface ResolvedBudgetRule {
  id: string;
  scope: BudgetScope;
  window: { calendar: "day" | "week" | "month" } | { rollingMs: number; rolling: string };
  timeZone: string;
  limitUsd?: number;
  limitTokens?: number;
  limitRequests?: number;
  thresholds: number[];
  enforce: boolean;
  renotifyMs?: number;
  alertOnProjection?: boolean;
}

/** A budget rule that cannot be used; the message says which field and how to fix it. */
export class BudgetRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BudgetRuleError";
  }
}

const SCOPE_FIELDS = ["tenantId", "userId", "sessionId", "provider", "model"] as const;
const CALENDAR_WINDOWS = new Set(["day", "week", "month"]);
const DEFAULT_THRESHOLDS = [75, 90, 100];

/** Validates `rule` and fills its defaults; `where` names the rule in error messages. */
export function resolveBudgetRule(
  rule: unknown,
  defaults: { timeZone?: string } = {},
  where = "budget rule",
): ResolvedBudgetRule {
  if (rule === null || typeof rule !== "object" || Array.isArray(rule))
    throw new BudgetRuleError(
      `${where} must be an object such as { window: "day", limitUsd: 50 }.`,
    );
  const input = rule as Record<string, unknown>;
  const scope = resolveScope(input.scope, where);
  const window = resolveWindow(input.window, where);
  const timeZone = (input.timeZone ?? defaults.timeZone ?? "UTC") as unknown;
  if (typeof timeZone !== "string")
    throw new BudgetRuleError(`${where}: timeZone must be an IANA name such as "Europe/Paris".`);
  try {
    assertTimeZone(timeZone);
  } catch (error) {
    throw new BudgetRuleError(`${where}: ${(error as Error).message}`);
  }
  const limitUsd = positiveNumber(input.limitUsd, "limitUsd", where);
  const limitTokens = positiveNumber(input.limitTokens, "limitTokens", where);
  const limitRequests = positiveNumber(input.limitRequests, "limitRequests", where);
  if (limitUsd === undefined && limitTokens === undefined && limitRequests === undefined)
    throw new BudgetRuleError(
      `${where} needs a limit: limitUsd (and/or limitTokens, limitRequests), e.g. { window: "day", limitUsd: 50 }.`,
    );
  const thresholds = resolveThresholds(input.thresholds, where);
  if (input.enforce !== undefined && typeof input.enforce !== "boolean")
    throw new BudgetRuleError(`${where}: enforce must be true or false.`);
  const renotifyMs = positiveNumber(input.renotifyMs, "renotifyMs", where);
  if (input.alertOnProjection !== undefined && typeof input.alertOnProjection !== "boolean")
    throw new BudgetRuleError(`${where}: alertOnProjection must be true or false.`);
  if (input.alertOnProjection === true && (!("calendar" in window) || limitUsd === undefined))
    throw new BudgetRuleError(
      `${where}: alertOnProjection needs a calendar window (day, week, month) and a limitUsd: a rolling window has no end to project to.`,
    );
  if (input.id !== undefined && (typeof input.id !== "string" || input.id.trim() === ""))
    throw new BudgetRuleError(`${where}: id must be a non-empty string.`);
  const resolved: ResolvedBudgetRule = {
    id: (input.id as string | undefined) ?? defaultRuleId(scope, window),
    scope,
    window,
    timeZone,
    thresholds,
    enforce: input.enforce === true,
  };
  if (limitUsd !== undefined) resolved.limitUsd = limitUsd;
  if (limitTokens !== undefined) resolved.limitTokens = limitTokens;
  if (limitRequests !== undefined) resolved.limitRequests = limitRequests;
  if (renotifyMs !== undefined) resolved.renotifyMs = renotifyMs;
  if (input.alertOnProjection === true) resolved.alertOnProjection = true;
  return resolved;
}

/** The plain rule again (what is stored in the ledger and shown by `budget list --json`). */
export function toBudgetRule(rule: ResolvedBudgetRule): BudgetRule {
  const plain: BudgetRule = {
    id: rule.id,
    scope: Object.keys(rule.scope).length === 0 ? "global" : rule.scope,
    window: "calendar" in rule.window ? rule.window.calendar : { rolling: rule.window.rolling },
    timeZone: rule.timeZone,
    thresholds: rule.thresholds,
    enforce: rule.enforce,
  };
  if (rule.limitUsd !== undefined) plain.limitUsd = rule.limitUsd;
  if (rule.limitTokens !== undefined) plain.limitTokens = rule.limitTokens;
  if (rule.limitRequests !== undefined) plain.limitRequests = rule.limitRequests;
  if (rule.renotifyMs !== undefined) plain.renotifyMs = rule.renotifyMs;
  if (rule.alertOnProjection === true) plain.alertOnProjection = true;
  return plain;
}

/** Whether a call with this provider, model and attribution falls under `scope`. */
export function scopeMatches(
  scope: BudgetScope,
  call: Attribution & { provider?: string; model?: string },
): boolean {
  for (const field of SCOPE_FIELDS) {
    const wanted = scope[field];
    if (wanted !== undefined && call[field] !== wanted) return false;
  }
  if (scope.attributes !== undefined) {
    for (const [key, value] of Object.entries(scope.attributes)) {
      if (call.attributes?.[key] !== value) return false;
    }
  }
  return true;
}

/** The scope in words: `all calls`, `tenant acme, model gpt-4o`. */
export function describeScope(scope: BudgetScope): string {
  const parts: string[] = [];
  if (scope.tenantId !== undefined) parts.push(`tenant ${scope.tenantId}`);
  if (scope.userId !== undefined) parts.push(`user ${scope.userId}`);
  if (scope.sessionId !== undefined) parts.push(`session ${scope.sessionId}`);
  if (scope.provider !== undefined) parts.push(`provider ${scope.provider}`);
  if (scope.model !== undefined) parts.push(`model ${scope.model}`);
  for (const [key, value] of Object.entries(scope.attributes ?? {})) parts.push(`${key}=${value}`);
  return parts.length === 0 ? "all calls" : parts.join(", ");
}

function resolveScope(value: unknown, where: string): BudgetScope {
  if (value === undefined || value === "global") return {};
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new BudgetRuleError(
      `${where}: scope must be "global" or an object such as { tenantId: "acme" } (fields: ${SCOPE_FIELDS.join(", ")}, attributes).`,
    );
  const scope: BudgetScope = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === undefined) continue;
    if ((SCOPE_FIELDS as readonly string[]).includes(key)) {
      if (typeof field !== "string" || field === "")
        throw new BudgetRuleError(`${where}: scope.${key} must be a non-empty string.`);
      scope[key as (typeof SCOPE_FIELDS)[number]] = field;
    } else if (key === "attributes") {
      if (field === null || typeof field !== "object" || Array.isArray(field))
        throw new BudgetRuleError(
          `${where}: scope.attributes must be an object such as { feature: "chat" }.`,
        );
      scope.attributes = field as Record<string, AttributeValue>;
    } else {
      throw new BudgetRuleError(
        `${where}: unknown scope field "${key}". Use ${SCOPE_FIELDS.join(", ")} or attributes: { ${key}: ... }.`,
      );
    }
  }
  return scope;
}

function resolveWindow(value: unknown, where: string): ResolvedBudgetRule["window"] {
  const rolling =
    value !== null && typeof value === "object" && "rolling" in value
      ? (value as { rolling: unknown }).rolling
      : value;
  if (typeof rolling === "string") {
    if (rolling === value && CALENDAR_WINDOWS.has(rolling))
      return { calendar: rolling as "day" | "week" | "month" };
    let rollingMs: number | undefined;
    try {
      rollingMs = periodLengthMs(rolling);
    } catch {
      // Reported below with the windows a rule accepts.
    }
    if (rollingMs !== undefined && rollingMs > 0) return { rollingMs, rolling };
  }
  throw new BudgetRuleError(
    `${where}: window must be "day", "week", "month" or a rolling duration such as "24h", "30m" or { rolling: "7d" } (got ${JSON.stringify(value)}).`,
  );
}

function resolveThresholds(value: unknown, where: string): number[] {
  if (value === undefined) return DEFAULT_THRESHOLDS;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((item) => typeof item !== "number" || !Number.isFinite(item) || item <= 0)
  )
    throw new BudgetRuleError(
      `${where}: thresholds must be a list of positive percents such as [75, 90, 100].`,
    );
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

function positiveNumber(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new BudgetRuleError(
      `${where}: ${name} must be a positive number (got ${JSON.stringify(value)}).`,
    );
  return value;
}

function defaultRuleId(scope: BudgetScope, window: ResolvedBudgetRule["window"]): string {
  const scopeKey = describeScope(scope).replaceAll(", ", "+").replaceAll(" ", ":");
  return `${scopeKey === "all:calls" ? "global" : scopeKey}/${"calendar" in window ? window.calendar : window.rolling}`;
}
