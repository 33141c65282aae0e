import { dayKey, monthKey, weekKey } from "../stats/time-buckets.ts";

const SLICE_MS = 15 * 60_000;

/**
 * A fast `epochMs → day/week/month key` in `timeZone`, for scanning many rows. Formatting a date
 * in a zone costs microseconds, so keys are cached per 15-minute slice. A slice whose first and
 * last millisecond fall in different buckets (a midnight that is not on a quarter hour, as in
 * zones with odd historical offsets) is never cached: such rows get the exact, uncached key.
 */
export function createTimeBucketKeyer(
  unit: "day" | "week" | "month",
  timeZone: string,
): (epochMs: number) => string {
  const keyOf = unit === "day" ? dayKey : unit === "week" ? weekKey : monthKey;
  const cache = new Map<number, string | null>();
  return (epochMs) => {
    const slice = Math.floor(epochMs / SLICE_MS);
    let key = cache.get(slice);
    if (key === undefined) {
      const first = keyOf(slice * SLICE_MS, timeZone);
      const last = keyOf(slice * SLICE_MS + SLICE_MS - 1, timeZone);
      key = first === last ? first : null;
      cache.set(slice, key);
    }
    return key ?? keyOf(epochMs, timeZone);
  };
}
