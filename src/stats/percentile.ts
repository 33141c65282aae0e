/**
 * Exact percentile of ascending-sorted values with linear interpolation between closest ranks,
 * the same definition as PostgreSQL's `percentile_cont` and NumPy's default, so every store
 * answers the same number for the same data.
 *
 * @example percentile([10, 20, 30, 40], 0.5) // 25
 */
export function percentile(sortedValues: readonly number[], fraction: number): number | undefined {
  const count = sortedValues.length;
  if (count === 0) return undefined;
  const rank = (count - 1) * fraction;
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lowerValue = sortedValues[lower]!;
  if (lower === upper) return lowerValue;
  return lowerValue + (sortedValues[upper]! - lowerValue) * (rank - lower);
}
