import type { ResolvedPeriod } from "./usage-stats.ts";

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The periods users name most; any `<number><m|h|d|w>` is accepted too. */
export const NAMED_PERIODS = ["1h", "24h", "7d", "30d", "all"] as const;

/**
 * Parses a period name into its length in ms (`undefined` for `all`).
 * Throws a RangeError that says what is accepted.
 *
 * @example periodLengthMs("24h") // 86_400_000
 */
export function periodLengthMs(period: string): number | undefined {
  if (period === "all") return undefined;
  const match = /^(\d{1,6})([mhdw])$/.exec(period.trim());
  if (match === null || Number(match[1]) === 0) {
    throw new RangeError(
      `Unknown period "${period}". Use "all" or a number followed by m, h, d or w, such as 1h, 24h, 7d or 30d.`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Resolves a period name against `nowMs` into bounds and the description reported back. */
export function resolvePeriod(
  period: string,
  nowMs: number,
): { sinceMs?: number; untilMs?: number; resolved: ResolvedPeriod } {
  const lengthMs = periodLengthMs(period);
  if (lengthMs === undefined) return { resolved: { name: "all" } };
  const sinceMs = nowMs - lengthMs;
  return {
    sinceMs,
    resolved: {
      name: period,
      since: new Date(sinceMs).toISOString(),
      until: new Date(nowMs).toISOString(),
    },
  };
}
