import { weekdayOf } from "./day-keys.ts";
import { theilSen } from "./theil-sen.ts";

/** One day's spend; `day` is a day number (see day-keys.ts), days without spend carry 0. */
export interface DailySpend {
  day: number;
  spendUsd: number;
}

export interface ForecastOptions {
  /** Days of history the model is fitted on (the most recent ones). Default 28. */
  trailingDays?: number;
  /** Per-day damping of the trend (1 = straight line). Default 0.98. */
  damping?: number;
}

/**
 * A fitted model of daily spend: a weekday-multiplicative seasonal factor times a damped linear
 * trend. The formula is in docs/decisions/0046-weekday-seasonal-damped-trend-forecast.md.
 */
export interface DailySpendModel {
  method: "weekday-seasonal-damped-theil-sen";
  /** The last day fitted (a complete day); forecasts start the day after. */
  lastDay: number;
  observedDays: number;
  /** De-seasonalized spend level on `lastDay`, USD/day. */
  levelUsd: number;
  /** Trend, USD/day per day. */
  slopeUsd: number;
  damping: number;
  /** Sunday … Saturday, mean 1; all 1 with under a week of history. */
  weekdayFactors: number[];
  /** Whether weekday factors were fitted (a week of history or more). */
  seasonal: boolean;
  /** Days of each weekday in the fit: a factor's error shrinks with them. */
  weekdayObservations: number[];
  /** Spread of a day's spend around the fit, as a share of the fit (pooled within weekdays). */
  relativeSigma: number;
  /** Standard error of the level as a share of it, and of the slope in USD/day per day. */
  levelRelativeError: number;
  slopeErrorUsd: number;
}

/** A projected sum with its 80 % interval. */
export interface Projection {
  pointUsd: number;
  lowUsd: number;
  highUsd: number;
}

/** z for a central 80 % interval under a normal approximation. */
const Z_80 = 1.2815515655446004;
const SEASONAL_PASSES = 3;

/** Fits the model on a dense series (every day present, oldest first). */
export function fitDailySpend(
  series: readonly DailySpend[],
  options: ForecastOptions = {},
): DailySpendModel {
  const trailingDays = options.trailingDays ?? 28;
  const damping = options.damping ?? 0.98;
  if (series.length === 0) throw new Error("fitDailySpend: no days of history to fit");
  const recent = series.slice(-trailingDays);
  const xs = recent.map((_, index) => index);
  const ys = recent.map((entry) => entry.spendUsd);
  const weekdays = recent.map((entry) => weekdayOf(entry.day));
  let factors = [1, 1, 1, 1, 1, 1, 1];
  let line = theilSen(xs, ys);
  // Weekday factors need every weekday seen at least once; below that, they would be noise.
  if (recent.length >= 7) {
    for (let pass = 0; pass < SEASONAL_PASSES; pass++) {
      const current = factors;
      line = theilSen(
        xs,
        ys.map((y, index) => y / (current[weekdays[index] as number] as number)),
      );
      factors = weekdayRatios(ys, xs, weekdays, line.intercept, line.slope);
    }
    line = theilSen(
      xs,
      ys.map((y, index) => y / (factors[weekdays[index] as number] as number)),
    );
  }
  const n = recent.length;
  const seasonal = n >= 7;
  const ratios = ys.map((y, index) => {
    const fitted =
      (line.intercept + line.slope * index) * (factors[weekdays[index] as number] as number);
    return fitted > 0 ? y / fitted : 1;
  });
  const relativeSigma = relativeSpread(ratios, weekdays, seasonal);
  const sumSquares = (n * (n * n - 1)) / 12;
  const meanX = (n - 1) / 2;
  const levelUsd = Math.max(0, line.intercept + line.slope * (n - 1));
  const meanSpend = ys.reduce((sum, y) => sum + y, 0) / n;
  const weekdayObservations = [0, 0, 0, 0, 0, 0, 0];
  for (const weekday of weekdays)
    weekdayObservations[weekday] = (weekdayObservations[weekday] as number) + 1;
  return {
    method: "weekday-seasonal-damped-theil-sen",
    lastDay: (recent[n - 1] as DailySpend).day,
    observedDays: n,
    levelUsd,
    slopeUsd: line.slope,
    damping,
    weekdayFactors: factors,
    seasonal,
    weekdayObservations,
    relativeSigma,
    levelRelativeError:
      relativeSigma * Math.sqrt(1 / n + (sumSquares > 0 ? (n - 1 - meanX) ** 2 / sumSquares : 0)),
    slopeErrorUsd:
      sumSquares > 0 ? (relativeSigma * Math.max(levelUsd, meanSpend)) / Math.sqrt(sumSquares) : 0,
  };
}

/** The expected spend on `day` (after `model.lastDay`), never negative. */
export function forecastDay(model: DailySpendModel, day: number): number {
  const ahead = day - model.lastDay;
  const trend = model.levelUsd + model.slopeUsd * dampedSteps(model.damping, ahead);
  return Math.max(0, trend * (model.weekdayFactors[weekdayOf(day)] as number));
}

/**
 * The spend from `firstDay` through `lastDay` (both after `model.lastDay`), where only
 * `firstDayShare` of the first day and `lastDayShare` of the last remain to be spent.
 */
export function projectDays(
  model: DailySpendModel,
  range: { firstDay: number; lastDay: number; firstDayShare?: number; lastDayShare?: number },
): Projection {
  let pointUsd = 0;
  let dayNoise = 0;
  let trendWeight = 0;
  const byWeekday = [0, 0, 0, 0, 0, 0, 0];
  for (let day = range.firstDay; day <= range.lastDay; day++) {
    let share = 1;
    if (day === range.firstDay) share *= range.firstDayShare ?? 1;
    if (day === range.lastDay) share *= range.lastDayShare ?? 1;
    const expected = forecastDay(model, day) * share;
    pointUsd += expected;
    dayNoise += expected ** 2;
    const weekday = weekdayOf(day);
    byWeekday[weekday] = (byWeekday[weekday] as number) + expected;
    trendWeight +=
      dampedSteps(model.damping, day - model.lastDay) *
      share *
      (model.weekdayFactors[weekday] as number);
  }
  // Day noise adds up as independent draws; a weekday factor's error moves all its days together,
  // and so do the level's and the slope's errors for every day.
  let seasonalError = 0;
  if (model.seasonal) {
    byWeekday.forEach((sum, weekday) => {
      seasonalError += sum ** 2 / Math.max(1, model.weekdayObservations[weekday] as number);
    });
  }
  const variance =
    (dayNoise + seasonalError) * model.relativeSigma ** 2 +
    (pointUsd * model.levelRelativeError) ** 2 +
    (trendWeight * model.slopeErrorUsd) ** 2;
  const spread = Z_80 * Math.sqrt(variance);
  return { pointUsd, lowUsd: Math.max(0, pointUsd - spread), highUsd: pointUsd + spread };
}

/** φ + φ² + … + φ^h: how many slopes `h` days ahead adds under damping φ. */
function dampedSteps(damping: number, ahead: number): number {
  if (ahead <= 0) return 0;
  if (damping === 1) return ahead;
  return (damping * (1 - damping ** ahead)) / (1 - damping);
}

/** Per weekday, spend over fitted trend (ratio of sums, so zero days are fine), mean 1. */
function weekdayRatios(
  ys: readonly number[],
  xs: readonly number[],
  weekdays: readonly number[],
  intercept: number,
  slope: number,
): number[] {
  const spent = [0, 0, 0, 0, 0, 0, 0];
  const fitted = [0, 0, 0, 0, 0, 0, 0];
  ys.forEach((y, index) => {
    const weekday = weekdays[index] as number;
    spent[weekday] = (spent[weekday] as number) + y;
    fitted[weekday] =
      (fitted[weekday] as number) + Math.max(0, intercept + slope * (xs[index] as number));
  });
  const raw = spent.map((sum, weekday) =>
    (fitted[weekday] as number) > 0 ? sum / (fitted[weekday] as number) : 1,
  );
  const mean = raw.reduce((sum, factor) => sum + factor, 0) / 7;
  return mean > 0 ? raw.map((factor) => factor / mean) : [1, 1, 1, 1, 1, 1, 1];
}

/**
 * The spread of the ratios spend / fit. With weekday factors, only weekdays seen twice or more say
 * anything (a single day fits its own factor exactly), so their variances are pooled; without,
 * the ratios vary around 1 with two parameters spent on the line. Half the level when unknown.
 */
function relativeSpread(
  ratios: readonly number[],
  weekdays: readonly number[],
  seasonal: boolean,
): number {
  if (!seasonal) {
    if (ratios.length < 3) return 0.5;
    const squares = ratios.reduce((sum, ratio) => sum + (ratio - 1) ** 2, 0);
    return Math.sqrt(squares / (ratios.length - 2));
  }
  let squares = 0;
  let freedom = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    const own = ratios.filter((_, index) => weekdays[index] === weekday);
    if (own.length < 2) continue;
    const mean = own.reduce((sum, ratio) => sum + ratio, 0) / own.length;
    squares += own.reduce((sum, ratio) => sum + (ratio - mean) ** 2, 0);
    freedom += own.length - 1;
  }
  return freedom > 0 ? Math.sqrt(squares / freedom) : 0.5;
}
