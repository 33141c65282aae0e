import type { DailySpend } from "./daily-spend-forecast.ts";

/**
 * mulberry32: a tiny seeded PRNG, so a backtest draws the same "random" months on every run.
 * Returns floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box–Muller) from `random`. */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Synthetic daily spend, as documented in docs/budgets.md (Forecasts → backtest):
 * spend(d) = base × (1 + growth × d) × weekday[d mod 7] × exp(noise × N(0,1)), with
 * base ∈ [$20, $200), growth ∈ [−1 %, +2 %) of base per day, weekday factors 1 ± 0.15 on
 * Monday–Friday and 0.35–0.65 on Saturday and Sunday, and noise σ = 0.1 (about ±10 % a day).
 */
export function syntheticDailySpend(
  random: () => number,
  firstDay: number,
  days: number,
): DailySpend[] {
  const base = 20 + random() * 180;
  const growth = -0.01 + random() * 0.03;
  const weekday = [0, 1, 2, 3, 4, 5, 6].map((index) =>
    index === 0 || index === 6 ? 0.35 + random() * 0.3 : 0.85 + random() * 0.3,
  );
  const series: DailySpend[] = [];
  for (let offset = 0; offset < days; offset++) {
    const day = firstDay + offset;
    const weekdayIndex = (((day + 4) % 7) + 7) % 7;
    const trend = Math.max(0.05, 1 + growth * offset);
    const spendUsd =
      base * trend * (weekday[weekdayIndex] as number) * Math.exp(0.1 * normal(random));
    series.push({ day, spendUsd });
  }
  return series;
}
