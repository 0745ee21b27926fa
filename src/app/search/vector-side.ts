/** A scored paper from the vector side: cosine of L2-normalised vectors. */
export interface VectorHit {
  docId: number;
  score: number;
}

/**
 * The semantic side of the index, by the store's handle `seq`: in memory (vector-search.ts) or an
 * on-disk snapshot's vectors beside the in-memory ones added since.
 */
export interface VectorSide {
  /** Papers with a vector. */
  readonly size: number;
  vector(seq: number): Float32Array | null;
  /** Exact cosine of the query with one paper's vector; null when it has none. */
  score(query: Float32Array, seq: number): number | null;
  /** The `k` nearest vectors passing `filter`, by exact cosine, best first. */
  nearest(query: Float32Array, k: number, filter: (seq: number) => boolean): VectorHit[];
}
