/**
 * `new Date(ms).toISOString()` without the Date: the meter stamps every event, and when calls
 * arrive one at a time each has its own millisecond, so formatting is paid per event. Here the
 * day part ("2026-11-22T") is worked out once a day and the time of day by integer arithmetic,
 * written into a reused buffer and decoded once (one flat string).
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on, toISOString switches to 6-digit years. */
const FIRST_EXTENDED_YEAR_MS = 253_402_300_800_000;
const DIGITS = Buffer.from("0123456789", "latin1");
// "YYYY-MM-DDTHH:MM:SS.mmmZ": the day part is rewritten when the day changes.
const text = Buffer.from("1970-01-01T00:00:00.000Z", "latin1");
let textDay = 0;
let lastMs = Number.NaN;
let lastText = "1970-01-01T00:00:00.000Z";

/** The ISO 8601 UTC form of `ms` (epoch milliseconds), exactly as `Date.prototype.toISOString` writes it. */
export function formatIsoTimestamp(ms: number): string {
  if (ms === lastMs) return lastText;
  // Whole milliseconds from 1970 to 9999 take the fast path; the rest (and NaN) go to Date.
  if (!(ms >= 0 && ms < FIRST_EXTENDED_YEAR_MS && Number.isInteger(ms)))
    return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== textDay) {
    writeDate(day);
    textDay = day;
  }
  let rest = ms - day * DAY_MS;
  const millisecond = rest % 1000;
  rest = (rest - millisecond) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  writeTwo(11, hour);
  writeTwo(14, minute);
  writeTwo(17, second);
  text[20] = DIGITS[Math.floor(millisecond / 100)]!;
  writeTwo(21, millisecond % 100);
  lastMs = ms;
  lastText = text.toString("latin1", 0, 24);
  return lastText;
}

// Days since 1970-01-01 to year, month and day of the proleptic Gregorian calendar: Howard
// Hinnant's civil_from_days (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
function writeDate(days: number): void {
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  writeTwo(0, Math.floor(year / 100));
  writeTwo(2, year % 100);
  writeTwo(5, month);
  writeTwo(8, dayOfMonth);
}

function writeTwo(at: number, value: number): void {
  text[at] = DIGITS[Math.floor(value / 10)]!;
  text[at + 1] = DIGITS[value % 10]!;
}
