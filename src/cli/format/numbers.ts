// Fixed en-US formats so output is the same on every machine (and snapshot tests stay stable).
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
/** One format per number of decimals, made on first use: building one costs more than using it. */
const usdFormats = new Map<number, Intl.NumberFormat>();

/** Decimals of a cost from a tenth of a cent up: four, as single LLM calls often cost fractions of a cent. */
const COST_DECIMALS = 4;
/** Significant digits a smaller cost keeps, so that a real spend never reads as `$0.0000`. */
const SMALL_COST_DIGITS = 2;
/** The most decimals shown; a cost below half of the last one is shown as below it. */
const MAX_COST_DECIMALS = 12;
const SMALLEST_SHOWN = `<$0.${"0".repeat(MAX_COST_DECIMALS - 1)}1`;

/** Shown for a cost nobody knows (every call unpriced): never a silent `$0`. */
export const UNKNOWN_COST = "—";

/** `1,234,567` */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/**
 * The one cost format of the CLI's tables: `$1,234.5678` (four decimals), a smaller cost with two
 * significant digits (`$0.000020`, `$0.00045`), and `$0` only for a true zero.
 */
export function formatUsd(value: number): string {
  if (value === 0) return "$0";
  const magnitude = Math.abs(value);
  if (magnitude < 0.5 * 10 ** -MAX_COST_DECIMALS) return SMALLEST_SHOWN;
  const decimals =
    magnitude >= 10 ** -(COST_DECIMALS - 1)
      ? COST_DECIMALS
      : Math.min(MAX_COST_DECIMALS, Math.ceil(-Math.log10(magnitude)) + SMALL_COST_DIGITS - 1);
  let format = usdFormats.get(decimals);
  if (format === undefined) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    usdFormats.set(decimals, format);
  }
  return `$${format.format(value)}`;
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

/**
 * A group's cost: `—` when none of its calls has a known price, marked when some have none (never a
 * silent $0).
 */
export function formatGroupCost(totals: {
  totalCostUsd: number;
  unpricedRequests: number;
  totalRequests: number;
}): string {
  if (totals.unpricedRequests > 0 && totals.unpricedRequests === totals.totalRequests)
    return UNKNOWN_COST;
  return `${formatUsd(totals.totalCostUsd)}${totals.unpricedRequests > 0 ? UNPRICED_MARK : ""}`;
}

/** The note under a table with marked costs, or undefined when every call was priced. */
export function unpricedNote(unpricedRequests: number): string | undefined {
  if (unpricedRequests === 0) return undefined;
  return `* ${formatInteger(unpricedRequests)} ${unpricedRequests === 1 ? "call has" : "calls have"} no known price; ${unpricedRequests === 1 ? "its" : "their"} cost is not included. "llmeter usage show" says how to price ${unpricedRequests === 1 ? "it" : "them"}.`;
}
