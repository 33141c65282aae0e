/**
 * Deterministic embedding vectors: the same text and dimension always give the same unit vector,
 * different texts give different vectors. Values are rounded to float32 so that the "float" and
 * "base64" encodings of OpenAI's embeddings API decode to exactly the same numbers.
 */

/** A unit-length vector of `dimensions` float32 values derived from `text`. */
export function embeddingFor(text: string, dimensions: number): number[] {
  let state = hashText(text) || 1;
  const values = new Array<number>(dimensions);
  let sumOfSquares = 0;
  for (let index = 0; index < dimensions; index++) {
    // xorshift32: tiny, fast and good enough to make vectors differ.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = (state >>> 0) / 0xffffffff - 0.5;
    values[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let index = 0; index < dimensions; index++) {
    values[index] = Math.fround((values[index] as number) / norm);
  }
  return values;
}

/** The little-endian float32 bytes of a vector in base64, as OpenAI's `encoding_format: "base64"`. */
export function embeddingToBase64(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

/** FNV-1a over UTF-16 code units. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
