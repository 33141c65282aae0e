// Fixed en-US formats so output is the same on every machine (and snapshot tests stay stable).
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usdFormat = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 4,
  maximumFractionDigits: 4,
});

/** `1,234,567` */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** `$1,234.5678`: four decimals because single LLM calls often cost fractions of a cent. */
export function formatUsd(value: number): string {
  return `$${usdFormat.format(value)}`;
}

/** `83.3%` from a 0..1 ratio. */
export function formatRatio(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** `41.5%` from a percentage. */
export function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** `120 ms`, `1.25 s`, or `-` when nothing was measured. */
export function formatDuration(value: number | undefined): string {
  if (value === undefined) return "-";
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${Math.round(value)} ms`;
}

/** Marks a cost that leaves out calls without a known price (explained in a note below the table). */
export const UNPRICED_MARK = " *";

/** A group's cost, marked when some of its calls have no known price (never a silent $0). */
export function formatGroupCost(totals: {
  totalCostUsd: number;
  unpricedRequests: number;
}): string {
  return `${formatUsd(totals.totalCostUsd)}${totals.unpricedRequests > 0 ? UNPRICED_MARK : ""}`;
}

/** The note under a table with marked costs, or undefined when every call was priced. */
export function unpricedNote(unpricedRequests: number): string | undefined {
  if (unpricedRequests === 0) return undefined;
  return `* ${formatInteger(unpricedRequests)} ${unpricedRequests === 1 ? "call has" : "calls have"} no known price; ${unpricedRequests === 1 ? "its" : "their"} cost is not included. Add a price file (the prices setting) to price ${unpricedRequests === 1 ? "it" : "them"}.`;
}
