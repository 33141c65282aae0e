const DAY_MS = 86_400_000;

/** Day `YYYY-MM-DD` as a day number (days since 1970-01-01); calendar arithmetic, no time zone. */
export function dayNumber(dayKey: string): number {
  const parsed = Date.parse(`${dayKey}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dayKey) || Number.isNaN(parsed)) {
    throw new Error(`"${dayKey}" is not a day (expected YYYY-MM-DD)`);
  }
  return Math.round(parsed / DAY_MS);
}

/** The `YYYY-MM-DD` of a day number. */
export function dayKeyOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(day: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((day + 4) % 7) + 7) % 7;
}

/** The last day of the calendar month holding `day`. */
export function lastDayOfMonth(day: number): number {
  const date = new Date(day * DAY_MS);
  return Math.round(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0) / DAY_MS);
}
