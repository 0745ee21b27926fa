import { topK } from '../search/top-k.ts';

/** A paper to rank, by the store's handle `seq`. */
export interface CandidateVector {
  seq: number;
  vector: ArrayLike<number>;
}

/** The `limit` best candidates by `score`, best first; ties by the smaller seq (deterministic). */
export function rankCandidates(candidates: Iterable<CandidateVector>, score: (vector: ArrayLike<number>, seq?: number) => number, limit: number): { seq: number; score: number }[] {
  const hits: { docId: number; score: number }[] = [];
  for (const { seq, vector } of candidates) hits.push({ docId: seq, score: score(vector, seq) });
  return topK(hits, limit).map((h) => ({ seq: h.docId, score: h.score }));
}
