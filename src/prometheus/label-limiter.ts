/** The value a label takes once its limit of distinct values is reached. */
export const OVERFLOW_LABEL_VALUE = "__other__";

/**
 * Bounds the distinct values of one label: the first `limit` values seen are kept, later new ones
 * become `__other__`. Prometheus keeps one series per label combination, so an unbounded label (a
 * tenant id, a model name typed by users) would grow its memory without end.
 */
export class LabelLimiter {
  private readonly seen = new Set<string>();
  private readonly limit: number;
  /** Values folded into `__other__` so far. */
  overflowed = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  value(raw: string | undefined, missing = ""): string {
    const value = raw ?? missing;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) {
      this.overflowed += 1;
      return OVERFLOW_LABEL_VALUE;
    }
    this.seen.add(value);
    return value;
  }
}
