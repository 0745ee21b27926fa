import { topK } from '../../core/search/top-k.ts';
import { ExactVectorIndex } from '../../core/search/vector-index.ts';
import type { AnnFactory, AnnIndex } from '../../ports/ann-index.ts';
import type { VectorSide } from './vector-side.ts';

export interface VectorSearchOptions {
  /** Approximate index used above `exactThreshold` vectors; its candidates are re-scored exactly. */
  ann?: AnnFactory;
  exactThreshold: number;
  /** Candidates the ANN graph proposes for re-ranking (at least twice the results asked for). */
  annCandidates: number;
}

/**
 * Paper vectors and nearest-neighbour search over them: exact cosine up to a threshold, above it an
 * ANN graph proposing candidates that are re-scored exactly. Vectors set since the graph was last
 * updated wait in `pending` and are scored exactly, so a search never misses them and never has to
 * build the graph itself.
 */
export class VectorSearch implements VectorSide {
  readonly exact: ExactVectorIndex;
  private readonly ann: AnnIndex | null;
  private pending = new Map<number, Float32Array>();

  constructor(dims: number, private readonly options: VectorSearchOptions) {
    this.exact = new ExactVectorIndex(dims);
    this.ann = options.ann ? options.ann(dims) : null;
  }

  get size(): number {
    return this.exact.size;
  }

  vector(docId: number): Float32Array | null {
    return this.exact.get(docId);
  }

  /** Exact cosine of the query with one document's vector; null when it has none. */
  score(query: Float32Array, docId: number): number | null {
    return this.exact.score(query, docId);
  }

  set(docId: number, vector: Float32Array): void {
    this.exact.set(docId, vector);
    if (this.ann) this.pending.set(docId, vector);
  }

  remove(docId: number): void {
    this.exact.remove(docId);
    this.pending.delete(docId);
    this.ann?.remove(docId);
  }

  /**
   * The `k` nearest vectors passing `filter`, by exact cosine. Above the threshold the ANN graph
   * proposes candidates (several times k) that are re-scored exactly; when the filter leaves too
   * few of them, the exact scan answers instead, so filters never lose results.
   */
  nearest(query: Float32Array, k: number, filter: (docId: number) => boolean): { docId: number; score: number }[] {
    const { exact, ann } = this;
    // While most vectors are not in the graph yet (the first load), the exact scan is the better plan.
    if (!ann || exact.size <= this.options.exactThreshold || this.pending.size * 2 > exact.size) return exact.search(query, k, filter);
    // Enough candidates that int8 ranking errors never reach the exact top k (recall@10 stays 1.0 at
    // 75k and 1M in bench:search): 400 for a page of results, twice the pool for fusion pools.
    const proposed = ann.search(query, Math.max(2 * k, this.options.annCandidates));
    const seen = new Set<number>();
    const hits: { docId: number; score: number }[] = [];
    const consider = (docId: number) => {
      if (seen.has(docId) || !filter(docId)) return;
      seen.add(docId);
      const score = exact.score(query, docId);
      if (score !== null) hits.push({ docId, score });
    };
    for (const docId of proposed) consider(docId);
    for (const docId of this.pending.keys()) consider(docId);
    if (hits.length < Math.min(k, exact.size) && proposed.length > hits.length) return exact.search(query, k, filter);
    return topK(hits, k);
  }

  /** Adds every pending vector to the graph now (after a refresh) rather than a slice at a time. */
  prepare(): void {
    for (const _ of this.prepareSteps(Infinity)) {
      // all at once
    }
  }

  /** Adds pending vectors to the graph, `perStep` at a time, pausing (yielding) after each slice. */
  *prepareSteps(perStep = 2000): Generator<void> {
    if (!this.ann || this.exact.size <= this.options.exactThreshold) return;
    while (this.pending.size > 0) {
      const ids: number[] = [];
      const vectors: Float32Array[] = [];
      for (const [docId, vector] of this.pending) {
        if (ids.length >= perStep) break;
        ids.push(docId);
        vectors.push(vector);
      }
      this.ann.addMany(ids, vectors);
      for (const docId of ids) this.pending.delete(docId);
      yield;
    }
  }
}
