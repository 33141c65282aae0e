/** A straight line `intercept + slope * x`. */
export interface Line {
  intercept: number;
  slope: number;
}

/**
 * Theil–Sen regression: the slope is the median of the slopes between every pair of points, the
 * intercept the median of `y - slope * x`. Robust to about 29 % outliers (a one-off expensive
 * batch job does not tilt the trend), and O(n²) — fine for the few weeks of days it is fed.
 */
export function theilSen(xs: readonly number[], ys: readonly number[]): Line {
  if (xs.length !== ys.length) throw new Error("theilSen: xs and ys differ in length");
  if (xs.length === 0) return { intercept: 0, slope: 0 };
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const run = (xs[j] as number) - (xs[i] as number);
      if (run !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / run);
    }
  }
  const slope = slopes.length === 0 ? 0 : median(slopes);
  const intercept = median(ys.map((y, index) => y - slope * (xs[index] as number)));
  return { intercept, slope };
}

/** The median of `values` (mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
