import type { TokenUsage } from "../../usage/usage-event.ts";

/** A count as providers send it: a number, or absent, or `null`. */
export type ReportedCount = number | null | undefined;

/** Builds a `TokenUsage` holding only the counts that were reported (unknown stays absent). */
export function reportedTokens(counts: { [K in TokenCountName]?: ReportedCount }): TokenUsage {
  const usage: TokenUsage = {};
  for (const key in counts) {
    const value = counts[key as TokenCountName];
    if (typeof value === "number") usage[key as TokenCountName] = value;
  }
  return usage;
}

/** The numeric fields of `TokenUsage`. */
export type TokenCountName = Exclude<keyof TokenUsage, "estimated">;

/** Adds counts, treating absent ones as 0, or `undefined` when none was reported. */
export function sumReported(...counts: ReportedCount[]): number | undefined {
  let total: number | undefined;
  for (const count of counts) {
    if (typeof count === "number") total = (total ?? 0) + count;
  }
  return total;
}
