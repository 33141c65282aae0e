import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LatencyHistogram, PERCENTILE_RELATIVE_ACCURACY } from "./latency-histogram.ts";

/** percentile_cont over the exact values. */
function exactPercentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * fraction;
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

const latencies = fc.array(
  fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 1e6, noNaN: true })),
  { minLength: 1, maxLength: 300 },
);

describe("LatencyHistogram", () => {
  it("keeps every percentile within the stated relative error", () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const histogram = new LatencyHistogram();
        for (const value of values) histogram.add(value);
        for (const fraction of [0, 0.5, 0.95, 0.99, 1]) {
          const exact = exactPercentile(values, fraction);
          const estimate = histogram.percentile(fraction)!;
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
            exact * PERCENTILE_RELATIVE_ACCURACY + 1e-9,
          );
        }
      }),
    );
  });

  it("merges encoded, decoded and subtracted histograms to the same counts", () => {
    fc.assert(
      fc.property(latencies, latencies, (first, second) => {
        const a = new LatencyHistogram();
        for (const value of first) a.add(value);
        const b = new LatencyHistogram();
        for (const value of second) b.add(value);
        const both = new LatencyHistogram();
        for (const value of [...first, ...second]) both.add(value);

        const viaBlobs = LatencyHistogram.decode(a.encode());
        viaBlobs.mergeEncoded(b.encode());
        expect(viaBlobs.encode()).toEqual(both.encode());
        expect(viaBlobs.count).toBe(first.length + second.length);

        expect(LatencyHistogram.mergeEncodedBlobs(a.encode(), b.encode())).toEqual(both.encode());

        const merged = new LatencyHistogram();
        merged.merge(b);
        merged.merge(a);
        expect(merged.encode()).toEqual(both.encode());
        merged.merge(b, -1);
        expect(merged.encode()).toEqual(a.encode());
        expect(merged.count).toBe(first.length);
      }),
    );
  });

  it("reads blobs whose pairs are in any order (as written before keys were sorted)", () => {
    const histogram = new LatencyHistogram();
    for (const value of [5, 1200, 0, 80, 5, 40_000]) histogram.add(value);
    const pairs = new Int32Array(histogram.encode().buffer);
    const reversed = new Int32Array(pairs.length);
    for (let index = 0; index < pairs.length; index += 2) {
      reversed[pairs.length - 2 - index] = pairs[index]!;
      reversed[pairs.length - 1 - index] = pairs[index + 1]!;
    }
    // At an odd byte offset, as SQLite may hand a blob back.
    const unaligned = new Uint8Array(reversed.byteLength + 1).subarray(1);
    unaligned.set(new Uint8Array(reversed.buffer));
    const decoded = LatencyHistogram.decode(unaligned);
    expect(decoded.encode()).toEqual(histogram.encode());
    expect(decoded.percentile(0.5)).toBe(histogram.percentile(0.5));
    const doubled = new LatencyHistogram();
    doubled.merge(histogram);
    doubled.merge(histogram);
    expect(LatencyHistogram.mergeEncodedBlobs(unaligned, histogram.encode())).toEqual(
      doubled.encode(),
    );
  });

  it("is empty until something is added", () => {
    const histogram = LatencyHistogram.decode(null);
    expect(histogram.count).toBe(0);
    expect(histogram.percentile(0.5)).toBeUndefined();
    expect(histogram.encode().byteLength).toBe(0);
  });
});
