import { zonedTimeToEpochMs } from "../cli/parse-date.ts";
import { dayKey, monthKey, weekKey } from "../stats/time-buckets.ts";
import type { ResolvedBudgetRule } from "./budget-rule.ts";

/** One window of a budget: its key (for alert de-duplication) and its bounds, `[startMs, endMs)`. */
export interface BudgetWindowBounds {
  /** `2026-11-22` (day), `2026-11-16` (week's Monday), `2026-11` (month), `rolling` (rolling). */
  key: string;
  startMs: number;
  endMs: number;
}

/**
 * The window of `rule` that contains `nowMs`. Calendar windows start at local midnight in the rule's
 * time zone (so a Paris "day" starts at 23:00 UTC in winter); a rolling window is the last
 * `rollingMs` up to now, and its key is the constant `rolling` (alerts then re-arm by `renotifyMs`).
 */
export function budgetWindowAt(rule: ResolvedBudgetRule, nowMs: number): BudgetWindowBounds {
  const window = rule.window;
  if (!("calendar" in window))
    return { key: "rolling", startMs: nowMs - window.rollingMs, endMs: nowMs + 1 };
  // Time-zone arithmetic (Intl) is the slow part of every reservation: reuse the current window.
  const cached = lastWindow.get(rule);
  if (cached !== undefined && nowMs >= cached.startMs && nowMs < cached.endMs) return cached;
  const bounds = calendarWindowAt(rule, window.calendar, nowMs);
  lastWindow.set(rule, bounds);
  return bounds;
}

const lastWindow = new WeakMap<ResolvedBudgetRule, BudgetWindowBounds>();

function calendarWindowAt(
  rule: ResolvedBudgetRule,
  calendar: "day" | "week" | "month",
  nowMs: number,
): BudgetWindowBounds {
  const window = { calendar };
  const zone = rule.timeZone;
  if (window.calendar === "month") {
    const key = monthKey(nowMs, zone);
    const [year, month] = key.split("-").map(Number) as [number, number];
    return {
      key,
      startMs: zonedTimeToEpochMs({ year, month, day: 1 }, zone),
      endMs: zonedTimeToEpochMs(
        { year: month === 12 ? year + 1 : year, month: (month % 12) + 1, day: 1 },
        zone,
      ),
    };
  }
  const key = window.calendar === "day" ? dayKey(nowMs, zone) : weekKey(nowMs, zone);
  const [year, month, day] = key.split("-").map(Number) as [number, number, number];
  const days = window.calendar === "day" ? 1 : 7;
  // Date.UTC normalizes day overflow (Nov 31 → Dec 1), so the next window's wall date is exact.
  const next = new Date(Date.UTC(year, month - 1, day + days));
  return {
    key,
    startMs: zonedTimeToEpochMs({ year, month, day }, zone),
    endMs: zonedTimeToEpochMs(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
      zone,
    ),
  };
}
