/**
 * Day, week and month buckets in a named time zone. Grouping in UTC when the user asked for local
 * time is a classic reporting bug; every bucket here is computed in an explicit zone.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The machine's time zone, e.g. `Europe/Paris`. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Throws a clear error when `timeZone` is not an IANA zone name Node knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    formatterFor(timeZone);
  } catch {
    throw new RangeError(
      `Unknown time zone "${timeZone}". Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".`,
    );
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** 0 = Monday ... 6 = Sunday (ISO). */
  isoWeekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function localDate(epochMs: number, timeZone: string): LocalDate {
  const parts = formatterFor(timeZone).formatToParts(epochMs);
  let year = 0;
  let month = 0;
  let day = 0;
  let isoWeekday = 0;
  for (const part of parts) {
    if (part.type === "year") year = Number(part.value);
    else if (part.type === "month") month = Number(part.value);
    else if (part.type === "day") day = Number(part.value);
    else if (part.type === "weekday") isoWeekday = WEEKDAYS[part.value] ?? 0;
  }
  return { year, month, day, isoWeekday };
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** `2026-11-22`: the calendar day of `epochMs` in `timeZone`. */
export function dayKey(epochMs: number, timeZone: string): string {
  const { year, month, day } = localDate(epochMs, timeZone);
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** `2026-11-16`: the Monday that starts the ISO week of `epochMs` in `timeZone`. */
export function weekKey(epochMs: number, timeZone: string): string {
  const { year, month, day, isoWeekday } = localDate(epochMs, timeZone);
  const monday = new Date(Date.UTC(year, month - 1, day - isoWeekday));
  return `${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`;
}

/** `2026-11`: the calendar month of `epochMs` in `timeZone`. */
export function monthKey(epochMs: number, timeZone: string): string {
  const { year, month } = localDate(epochMs, timeZone);
  return `${year}-${pad(month)}`;
}
