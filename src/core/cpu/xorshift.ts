/**
 * A small seeded generator (xorshift32) for what must come out the same every run: the interpreters'
 * warm-up programs (isa/<arch>/warm-up.ts). Returns unsigned 32-bit values; the seed must not be 0.
 */
export function xorshift32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** The same generator's values as fractions in [0, 1). */
export function xorshiftFraction(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}
