import { dayKey } from "../stats/time-buckets.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import {
  type DailySpend,
  type DailySpendModel,
  fitDailySpend,
  forecastDay,
  type Projection,
  projectDays,
} from "./daily-spend-forecast.ts";
import { dayKeyOf, dayNumber, lastDayOfMonth } from "./day-keys.ts";

const DAY_MS = 86_400_000;
/** Enough daily rows for a 28-day fit plus a whole month to date. */
const LOOKBACK_DAYS = 62;

/** The `--json` shape of one forecast (docs/json-output.md). */
export interface SpendForecast {
  /** `all`, or the tenant id the forecast covers. */
  scope: string;
  method: DailySpendModel["method"];
  /** Complete days the model was fitted on. */
  observedDays: number;
  /** Spend so far today (a partial day, not in the fit). */
  todayUsd: number;
  monthEnd: ProjectedTotal;
  /** Present when a window end was asked for (a budget's). */
  windowEnd?: ProjectedTotal;
  /** Sunday … Saturday factors, mean 1. */
  weekdayFactors: number[];
  trendUsdPerDay: number;
}

/** Spend at `at` (end of that day): what is spent already plus the projection, with its range. */
export interface ProjectedTotal {
  at: string;
  spentUsd: number;
  projectedUsd: number;
  lowUsd: number;
  highUsd: number;
  /** With a limit: the first day the projection reaches it (`YYYY-MM-DD`), absent if it does not. */
  reachesLimitOn?: string;
}

export interface ForecastRequest {
  nowMs: number;
  timeZone: string;
  filter?: UsageFilter;
  scope?: string;
  trailingDays?: number;
  /** A budget window: spend already in it, its end, and its USD limit. */
  window?: { spentUsd: number; endMs: number; limitUsd?: number };
  monthLimitUsd?: number;
}

/**
 * Forecasts spend from the ledger's daily rollups (one `aggregate` by day, no event scan):
 * fits complete days up to yesterday, and projects the rest of today, of the month and of a
 * budget window. Undefined when the ledger has no spend in the look-back.
 */
export async function forecastLedgerSpend(
  store: UsageStore,
  request: ForecastRequest,
): Promise<SpendForecast | undefined> {
  const today = dayNumber(dayKey(request.nowMs, request.timeZone));
  const result = await store.aggregate({
    filter: { ...request.filter, sinceMs: request.nowMs - LOOKBACK_DAYS * DAY_MS },
    groupBy: ["day"],
    timeZone: request.timeZone,
  });
  const byDay = new Map(
    (result.groupsBy.day ?? []).map((group) => [group.key, group.totalCostUsd]),
  );
  if (result.totals.totalCostUsd <= 0) return undefined;
  const trailingDays = request.trailingDays ?? 28;
  // Start the fit at the first day with spend, so a new ledger is not read as weeks of $0.
  let firstDay = today - trailingDays;
  while (firstDay < today - 1 && (byDay.get(dayKeyOf(firstDay)) ?? 0) === 0) firstDay++;
  const series: DailySpend[] = [];
  for (let day = firstDay; day < today; day++) {
    series.push({ day, spendUsd: byDay.get(dayKeyOf(day)) ?? 0 });
  }
  const model = fitDailySpend(series, { trailingDays });
  const todayUsd = byDay.get(dayKeyOf(today)) ?? 0;
  // Today's forecast is the whole day's: what is left of it is that minus what today spent so far.
  const todayExpected = forecastDay(model, today);
  const todayLeft = todayExpected > 0 ? Math.max(0, todayExpected - todayUsd) / todayExpected : 0;
  const monthStart = dayNumber(`${dayKeyOf(today).slice(0, 8)}01`);
  let monthToDate = 0;
  for (let day = monthStart; day <= today; day++) monthToDate += byDay.get(dayKeyOf(day)) ?? 0;
  const forecast: SpendForecast = {
    scope: request.scope ?? "all",
    method: model.method,
    observedDays: model.observedDays,
    todayUsd,
    monthEnd: projectedTotal(model, {
      spentUsd: monthToDate,
      today,
      todayLeft,
      lastDay: lastDayOfMonth(today),
      lastDayShare: 1,
      limitUsd: request.monthLimitUsd,
    }),
    weekdayFactors: model.weekdayFactors,
    trendUsdPerDay: model.slopeUsd,
  };
  if (request.window !== undefined) {
    const lastMs = request.window.endMs - 1;
    const lastDay = dayNumber(dayKey(lastMs, request.timeZone));
    forecast.windowEnd = projectedTotal(model, {
      spentUsd: request.window.spentUsd,
      today,
      // Calendar windows end at a local midnight: what is left of today is the month's share.
      todayLeft,
      lastDay,
      lastDayShare:
        lastDay === today ? 1 : elapsedShareOfDay(request.window.endMs, request.timeZone, lastDay),
      limitUsd: request.window.limitUsd,
    });
  }
  return forecast;
}

function projectedTotal(
  model: DailySpendModel,
  span: {
    spentUsd: number;
    today: number;
    todayLeft: number;
    lastDay: number;
    lastDayShare: number;
    limitUsd: number | undefined;
  },
): ProjectedTotal {
  const projection: Projection =
    span.lastDay < span.today
      ? { pointUsd: 0, lowUsd: 0, highUsd: 0 }
      : projectDays(model, {
          firstDay: span.today,
          lastDay: span.lastDay,
          firstDayShare: span.todayLeft,
          lastDayShare: span.lastDay === span.today ? 1 : span.lastDayShare,
        });
  const total: ProjectedTotal = {
    at: dayKeyOf(span.lastDay),
    spentUsd: span.spentUsd,
    projectedUsd: span.spentUsd + projection.pointUsd,
    lowUsd: span.spentUsd + projection.lowUsd,
    highUsd: span.spentUsd + projection.highUsd,
  };
  if (span.limitUsd !== undefined) {
    let running = span.spentUsd;
    for (let day = span.today; day <= span.lastDay; day++) {
      running += forecastDay(model, day) * (day === span.today ? span.todayLeft : 1);
      if (running >= span.limitUsd) {
        total.reachesLimitOn = dayKeyOf(day);
        break;
      }
    }
  }
  return total;
}

/** How much of local day `day` has passed at `epochMs` (0..1), from the zone's midnight. */
function elapsedShareOfDay(epochMs: number, timeZone: string, day: number): number {
  // Walk back from the instant until the local day changes: exact across DST without zone math.
  let low = epochMs - 2 * DAY_MS;
  let high = epochMs;
  const key = dayKeyOf(day);
  if (dayKey(epochMs, timeZone) !== key) return dayKey(epochMs, timeZone) > key ? 1 : 0;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (dayKey(middle, timeZone) === key) high = middle;
    else low = middle;
  }
  return Math.min(1, (epochMs - high) / DAY_MS);
}
