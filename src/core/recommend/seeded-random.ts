/** A seeded pseudo-random generator and sampling, so that recommendations and evaluations repeat exactly. */

/** mulberry32: a small 32-bit generator, uniform in [0, 1); the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `k` distinct items of `items`, drawn uniformly with `random` (a partial Fisher-Yates shuffle of a copy). */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, random: () => number): T[] {
  const copy = [...items];
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/** The items in a seeded random order. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  return sampleWithoutReplacement(items, items.length, random);
}

/** FNV-1a hash of a string (32 bits): a stable way to split readers or seed per-reader draws. */
export function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
