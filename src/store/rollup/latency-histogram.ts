import { DDSketch } from "@datadog/sketches-js";

/** Relative accuracy of rollup percentiles: each bucket's value is within 1% of every value in it. */
export const PERCENTILE_RELATIVE_ACCURACY = 0.01;

// DDSketch's logarithmic key mapping (Masson et al., "DDSketch", VLDB 2019) decides the buckets;
// counts are kept here in a dense array indexed by key so that histograms can be added AND
// subtracted exactly (retention deletes events from rollups), merged with a tight loop (queries
// merge hundreds of thousands of stored rollups), and stored compactly as a BLOB.
const mapping = new DDSketch({ relativeAccuracy: PERCENTILE_RELATIVE_ACCURACY }).mapping;
const ZERO_KEY = -2_147_483_648;
/**
 * How a value maps to its bucket key, for stores that compute keys in SQL (PostgreSQL rollups):
 * key = ceil(ln(value) × lnMultiplier); values at or below `minPossible` go to `zeroKey`.
 * The same arithmetic as DDSketch's LogarithmicMapping (log2(value) × its multiplier).
 */
export const HISTOGRAM_KEY_MAPPING = {
  lnMultiplier:
    1 / Math.log1p((2 * PERCENTILE_RELATIVE_ACCURACY) / (1 - PERCENTILE_RELATIVE_ACCURACY)),
  minPossible: mapping.minPossible,
  zeroKey: ZERO_KEY,
} as const;
// At 1% accuracy, keys from 1 ns to 10^10 ms span about 1,700 buckets: a dense array stays small.
const MIN_CAPACITY = 64;

/**
 * A mergeable latency histogram with DDSketch buckets. `percentile()` interpolates between the
 * two ranks exactly like `percentile_cont`; since each rank's value is within 1% of the true
 * order statistic, the result is within 1% of the exact percentile (values are non-negative).
 */
export class LatencyHistogram {
  /** `bins[index]` counts the values of key `offset + index`. */
  private bins = new Float64Array(0);
  private offset = 0;
  /** Values at or below the mapping's smallest positive value (ZERO_KEY when encoded). */
  private zeroCount = 0;
  count = 0;

  add(value: number, weight = 1): void {
    if (value <= mapping.minPossible) this.zeroCount += weight;
    else {
      const key = mapping.key(value);
      this.reserve(key, key);
      this.bins[key - this.offset]! += weight;
    }
    this.count += weight;
  }

  merge(other: LatencyHistogram, sign: 1 | -1 = 1): void {
    this.zeroCount += sign * other.zeroCount;
    const length = other.bins.length;
    if (length > 0) {
      this.reserve(other.offset, other.offset + length - 1);
      const shift = other.offset - this.offset;
      for (let index = 0; index < length; index++)
        this.bins[shift + index]! += sign * other.bins[index]!;
    }
    this.count += sign * other.count;
  }

  /** Adds an encoded histogram without decoding it into an object first. */
  mergeEncoded(bytes: Uint8Array): void {
    const pairs = decodePairs(bytes);
    const length = pairs.length;
    if (length === 0) return;
    // One reservation covers every key (blobs written before keys were sorted are in any order).
    let low = ZERO_KEY;
    let high = ZERO_KEY;
    for (let index = 0; index < length; index += 2) {
      const key = pairs[index]!;
      if (key === ZERO_KEY) continue;
      if (low === ZERO_KEY || key < low) low = key;
      if (high === ZERO_KEY || key > high) high = key;
    }
    if (low !== ZERO_KEY) this.reserve(low, high);
    const bins = this.bins;
    const offset = this.offset;
    let total = 0;
    for (let index = 0; index < length; index += 2) {
      const key = pairs[index]!;
      const count = pairs[index + 1]!;
      total += count;
      if (key === ZERO_KEY) this.zeroCount += count;
      else bins[key - offset]! += count;
    }
    this.count += total;
  }

  /** `fraction` in 0..1, percentile_cont semantics; undefined when empty. */
  percentile(fraction: number): number | undefined {
    if (this.count <= 0) return undefined;
    const rank = (this.count - 1) * fraction;
    const lower = Math.floor(rank);
    const upper = Math.ceil(rank);
    let seen = this.zeroCount;
    let lowerValue: number | undefined;
    if (seen > lower) lowerValue = 0;
    if (seen > upper) return 0;
    const bins = this.bins;
    for (let index = 0; index < bins.length; index++) {
      const count = bins[index]!;
      if (count === 0) continue;
      seen += count;
      const value = mapping.value(this.offset + index);
      if (lowerValue === undefined && seen > lower) lowerValue = value;
      if (seen > upper) return lowerValue! + (value - lowerValue!) * (rank - lower);
    }
    return lowerValue;
  }

  /** Int32 pairs (key, count), little-endian, in key order (ZERO_KEY first). */
  encode(): Uint8Array {
    const bins = this.bins;
    let size = this.zeroCount === 0 ? 0 : 1;
    for (let index = 0; index < bins.length; index++) if (bins[index] !== 0) size++;
    const pairs = new Int32Array(size * 2);
    let at = 0;
    if (this.zeroCount !== 0) {
      pairs[at++] = ZERO_KEY;
      pairs[at++] = this.zeroCount;
    }
    for (let index = 0; index < bins.length; index++) {
      const count = bins[index]!;
      if (count === 0) continue;
      pairs[at++] = this.offset + index;
      pairs[at++] = count;
    }
    return new Uint8Array(pairs.buffer);
  }

  /** A histogram from (bucket key, count) entries, as `HISTOGRAM_KEY_MAPPING` computed them. */
  static fromKeyCounts(entries: Iterable<[number, number]>): LatencyHistogram {
    const pairs: number[] = [];
    for (const [key, count] of entries) pairs.push(key, count);
    const histogram = new LatencyHistogram();
    histogram.mergeEncoded(new Uint8Array(Int32Array.from(pairs).buffer));
    return histogram;
  }

  static decode(bytes: Uint8Array | null | undefined): LatencyHistogram {
    const histogram = new LatencyHistogram();
    if (bytes !== null && bytes !== undefined) histogram.mergeEncoded(bytes);
    return histogram;
  }

  /**
   * The sum of two encoded histograms, encoded, without building either: a merge of two sorted
   * pair lists (the upsert of every rollup does this). Falls back to decoding for blobs written
   * before pairs were sorted.
   */
  static mergeEncodedBlobs(first: Uint8Array, second: Uint8Array): Uint8Array {
    const a = decodePairs(first);
    const b = decodePairs(second);
    if (!isSorted(a) || !isSorted(b)) {
      const merged = LatencyHistogram.decode(first);
      merged.mergeEncoded(second);
      return merged.encode();
    }
    const out = new Int32Array(a.length + b.length);
    let i = 0;
    let j = 0;
    let at = 0;
    while (i < a.length && j < b.length) {
      const keyA = a[i]!;
      const keyB = b[j]!;
      if (keyA === keyB) {
        out[at++] = keyA;
        out[at++] = a[i + 1]! + b[j + 1]!;
        i += 2;
        j += 2;
      } else if (keyA < keyB) {
        out[at++] = keyA;
        out[at++] = a[i + 1]!;
        i += 2;
      } else {
        out[at++] = keyB;
        out[at++] = b[j + 1]!;
        j += 2;
      }
    }
    while (i < a.length) out[at++] = a[i++]!;
    while (j < b.length) out[at++] = b[j++]!;
    return new Uint8Array(out.buffer, 0, at * 4).slice();
  }

  /** Grows `bins` (geometrically, so repeated merges stay linear) to cover keys low..high. */
  private reserve(low: number, high: number): void {
    const bins = this.bins;
    if (bins.length > 0 && low >= this.offset && high < this.offset + bins.length) return;
    const currentLow = bins.length === 0 ? low : Math.min(low, this.offset);
    const currentHigh = bins.length === 0 ? high : Math.max(high, this.offset + bins.length - 1);
    const needed = currentHigh - currentLow + 1;
    const capacity = Math.max(MIN_CAPACITY, needed * 2);
    // Spare room on both sides: latencies grow both ways from the first values seen.
    const newOffset = currentLow - Math.floor((capacity - needed) / 2);
    const grown = new Float64Array(capacity);
    if (bins.length > 0) grown.set(bins, this.offset - newOffset);
    this.bins = grown;
    this.offset = newOffset;
  }
}

/** Keys strictly increasing: the order `encode()` writes. */
function isSorted(pairs: Int32Array): boolean {
  for (let index = 2; index < pairs.length; index += 2)
    if (pairs[index]! <= pairs[index - 2]!) return false;
  return true;
}

function decodePairs(bytes: Uint8Array): Int32Array {
  // SQLite hands back buffers at any offset; Int32Array needs 4-byte alignment.
  if (bytes.byteOffset % 4 === 0)
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}
