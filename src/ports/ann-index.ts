/**
 * An approximate nearest-neighbour index over normalised vectors (inner product). It only proposes
 * candidates: the search engine re-ranks them with exact float32 cosines.
 */
export interface AnnIndex {
  readonly size: number;
  addMany(docIds: readonly number[], vectors: readonly Float32Array[]): void;
  remove(docId: number): void;
  /** About the `k` nearest documents, best first. */
  search(query: Float32Array, k: number): number[];
}

export type AnnFactory = (dims: number) => AnnIndex;
