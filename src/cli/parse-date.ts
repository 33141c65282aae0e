import { CliUsageError } from "./cli-errors.ts";

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** How far `timeZone` is ahead of UTC at `epochMs`, in ms. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    fields.year!,
    fields.month! - 1,
    fields.day!,
    fields.hour!,
    fields.minute!,
    fields.second!,
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time in `timeZone` names. Two rounds settle the offset across DST
 * changes; a time skipped by a spring-forward gap resolves to just after the gap.
 */
export function zonedTimeToEpochMs(
  wallClock: {
    year: number;
    month: number;
    day: number;
    hour?: number;
    minute?: number;
    second?: number;
    millisecond?: number;
  },
  timeZone: string,
): number {
  const asUtc = Date.UTC(
    wallClock.year,
    wallClock.month - 1,
    wallClock.day,
    wallClock.hour ?? 0,
    wallClock.minute ?? 0,
    wallClock.second ?? 0,
    wallClock.millisecond ?? 0,
  );
  let guess = asUtc - zoneOffsetMs(asUtc, timeZone);
  guess = asUtc - zoneOffsetMs(guess, timeZone);
  return guess;
}

const DATE_ONLY = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const WITH_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses a `--since`/`--until`/`--before` value into epoch ms. A date alone (`2026-11-20` or
 * `20261120`) is that day in `timeZone`: its start, or for an inclusive `--until` the start of the
 * next day. A date-time without an offset is wall-clock time in `timeZone`; with `Z` or `+01:00`
 * it is that instant.
 */
export function parseDateBound(
  text: string,
  timeZone: string,
  options: { flag: string; endOfDay?: boolean },
): number {
  const value = text.trim();
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly !== null) {
    const year = Number(dateOnly[1]);
    const month = Number(dateOnly[2]);
    const day = Number(dateOnly[3]) + (options.endOfDay === true ? 1 : 0);
    if (isValidDate(year, month, Number(dateOnly[3])))
      return zonedTimeToEpochMs({ year, month, day }, timeZone);
  }
  const local = LOCAL_DATE_TIME.exec(value);
  if (local !== null) {
    const [year, month, day, hour, minute, second] = local
      .slice(1, 7)
      .map((part) => Number(part ?? 0));
    if (isValidDate(year!, month!, day!) && hour! < 24 && minute! < 60 && second! < 60) {
      return zonedTimeToEpochMs(
        {
          year: year!,
          month: month!,
          day: day!,
          hour: hour!,
          minute: minute!,
          second: second!,
          millisecond: Number((local[7] ?? "0").padEnd(3, "0")),
        },
        timeZone,
      );
    }
  }
  if (WITH_OFFSET.test(value) && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return time;
  }
  throw new CliUsageError(
    `${options.flag} "${text}" is not a date. Use a day such as 2026-11-20 (or 20261120), a local time such as 2026-11-20T18:30, or an instant such as 2026-11-20T17:30:00Z.`,
  );
}

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
