import { DDSketch } from "@datadog/sketches-js";

/** Relative accuracy of rollup percentiles: each bucket's value is within 1% of every value in it. */
export const PERCENTILE_RELATIVE_ACCURACY = 0.01;

// DDSketch's logarithmic key mapping (Masson et al., "DDSketch", VLDB 2019) decides the buckets;
// counts are kept here in a plain map so that histograms can be added AND subtracted exactly
// (retention deletes events from rollups) and stored compactly as a BLOB.
const mapping = new DDSketch({ relativeAccuracy: PERCENTILE_RELATIVE_ACCURACY }).mapping;
const ZERO_KEY = -2_147_483_648;

/**
 * A mergeable latency histogram with DDSketch buckets. `percentile()` interpolates between the
 * two ranks exactly like `percentile_cont`; since each rank's value is within 1% of the true
 * order statistic, the result is within 1% of the exact percentile (values are non-negative).
 */
export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;

  add(value: number, weight = 1): void {
    const key = value <= mapping.minPossible ? ZERO_KEY : mapping.key(value);
    const next = (this.counts.get(key) ?? 0) + weight;
    if (next === 0) this.counts.delete(key);
    else this.counts.set(key, next);
    this.count += weight;
  }

  merge(other: LatencyHistogram, sign: 1 | -1 = 1): void {
    for (const [key, count] of other.counts) {
      const next = (this.counts.get(key) ?? 0) + sign * count;
      if (next === 0) this.counts.delete(key);
      else this.counts.set(key, next);
    }
    this.count += sign * other.count;
  }

  /** Adds an encoded histogram without decoding it into an object first. */
  mergeEncoded(bytes: Uint8Array): void {
    const pairs = decodePairs(bytes);
    for (let index = 0; index < pairs.length; index += 2) {
      const key = pairs[index]!;
      const count = pairs[index + 1]!;
      this.counts.set(key, (this.counts.get(key) ?? 0) + count);
      this.count += count;
    }
  }

  /** `fraction` in 0..1, percentile_cont semantics; undefined when empty. */
  percentile(fraction: number): number | undefined {
    if (this.count <= 0) return undefined;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const rank = (this.count - 1) * fraction;
    const lower = Math.floor(rank);
    const upper = Math.ceil(rank);
    let seen = 0;
    let lowerValue: number | undefined;
    for (const key of keys) {
      seen += this.counts.get(key)!;
      const value = key === ZERO_KEY ? 0 : mapping.value(key);
      if (lowerValue === undefined && seen > lower) lowerValue = value;
      if (seen > upper) return lowerValue! + (value - lowerValue!) * (rank - lower);
    }
    return lowerValue;
  }

  /** Int32 pairs (key, count), little-endian. */
  encode(): Uint8Array {
    const pairs = new Int32Array(this.counts.size * 2);
    let index = 0;
    for (const [key, count] of this.counts) {
      pairs[index++] = key;
      pairs[index++] = count;
    }
    return new Uint8Array(pairs.buffer);
  }

  static decode(bytes: Uint8Array | null | undefined): LatencyHistogram {
    const histogram = new LatencyHistogram();
    if (bytes !== null && bytes !== undefined) histogram.mergeEncoded(bytes);
    return histogram;
  }
}

function decodePairs(bytes: Uint8Array): Int32Array {
  // SQLite hands back buffers at any offset; Int32Array needs 4-byte alignment.
  if (bytes.byteOffset % 4 === 0)
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}
