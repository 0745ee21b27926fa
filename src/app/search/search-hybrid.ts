/**
 * The hybrid recipe, start to end (search-engine.ts decides the mode and builds the page):
 *
 *   1. words    BM25F top candidates over every index piece, filtered; phrases checked on texts
 *   2. meaning  nearest vectors to the query, under the same filters and exclusions
 *   3. noise    nothing matches by words and the best cosine is below the minimum relevance: no results
 *   4. pool     the union of both lists; in hybrid mode every candidate gets its exact cosine
 *               (papers not embedded yet are marked so and ranked by their words)
 *   5. fuse     convex combination of normalised scores (default) or reciprocal rank fusion
 *   6. rank     best first, ties by seq
 */
import { convexFusion, rrfFusion, type FusionInput } from '../../core/search/fusion.ts';
import { topK } from '../../core/search/top-k.ts';
import type { TextSource } from '../../ports/text-source.ts';
import type { LexicalSide } from './lexical-side.ts';
import type { Clauses } from './query-clauses.ts';
import { both, checkPhrases, checksPhrases, termConstraints, type SeqFilter } from './search-filters.ts';
import type { Scored } from './search-hits.ts';
import type { FusionMethod, SearchMode } from './search-types.ts';
import type { VectorSide } from './vector-side.ts';

export interface RankInput {
  mode: SearchMode;
  fusion: FusionMethod | null;
  clauses: Clauses;
  /** The query's vector (null in lexical mode). */
  queryVector: Float32Array | null;
  filter: SeqFilter;
  /** Candidates taken from each side. */
  pool: number;
  alpha: number;
  cosineFloor: number | 'candidates';
  minRelevance: number;
}

export interface RankSources {
  lexical: LexicalSide;
  vectors: VectorSide | null;
  texts: TextSource;
}

/** Candidates ranked best first, or null when the query matches nothing by words and nothing closely by meaning. */
export async function rankCandidates(q: RankInput, from: RankSources): Promise<Scored[] | null> {
  const phrases = checksPhrases(q.clauses);

  // 1. words
  let lexicalHits: { docId: number; score: number }[] = [];
  if (q.mode !== 'semantic') {
    const hits = from.lexical.search(q.clauses, { limit: q.pool * (phrases ? 4 : 1), ...(q.filter ? { filter: q.filter } : {}) });
    lexicalHits = await keepWithPhrases(hits, q, from.texts);
  }

  // 2. meaning
  let semanticHits: { docId: number; score: number }[] = [];
  if (q.mode !== 'lexical' && q.queryVector && from.vectors) {
    const filter = both(q.filter, termConstraints(q.clauses, from.lexical)) ?? (() => true);
    const hits = from.vectors.nearest(q.queryVector, q.pool * (phrases ? 2 : 1), filter);
    semanticHits = await keepWithPhrases(hits, q, from.texts);

    // 3. noise
    const best = semanticHits[0]?.score;
    if (best !== undefined && best < q.minRelevance) {
      const wordMatch = q.mode === 'hybrid' ? lexicalHits.length > 0 : from.lexical.search(q.clauses, { limit: 1, ...(q.filter ? { filter: q.filter } : {}) }).length > 0;
      if (!wordMatch) return null;
    }
  }

  // 4. pool
  const candidates = new Map<number, FusionInput>();
  lexicalHits.forEach((h, i) => candidates.set(h.docId, { docId: h.docId, lexical: { score: h.score, rank: i + 1 }, semantic: null }));
  semanticHits.forEach((h, i) => {
    const c = candidates.get(h.docId);
    if (c) c.semantic = { score: h.score, rank: i + 1 };
    else candidates.set(h.docId, { docId: h.docId, lexical: null, semantic: { score: h.score, rank: i + 1 } });
  });
  const inputs = [...candidates.values()];
  if (q.mode !== 'hybrid') {
    const side = q.mode === 'lexical' ? 'lexical' : 'semantic';
    return topK(inputs.map((c) => ({ docId: c.docId, score: c[side]?.score ?? 0, input: c })), inputs.length);
  }
  for (const c of inputs) {
    if (c.semantic || !q.queryVector || !from.vectors) continue;
    const cosine = from.vectors.score(q.queryVector, c.docId);
    if (cosine !== null) c.semantic = { score: cosine, rank: 0 };
    else c.embedded = false;
  }

  // 5. fuse (rank 0: a cosine computed for a lexical candidate, not a place in the semantic list)
  const fused = q.fusion === 'rrf'
    ? rrfFusion(inputs.map((c) => (c.semantic?.rank === 0 ? { ...c, semantic: null } : c)))
    : convexFusion(inputs, q.alpha, { semanticFloor: q.cosineFloor });

  // 6. rank
  return topK(fused.map((f, i) => ({ docId: f.docId, score: f.fused, input: inputs[i]! })), fused.length);
}

/** Hits whose texts hold the query's phrases, at most `pool` of them (no text read without phrases). */
async function keepWithPhrases<T extends { docId: number }>(hits: T[], q: RankInput, texts: TextSource): Promise<T[]> {
  if (!checksPhrases(q.clauses)) return hits;
  const kept = new Set(await checkPhrases(hits.map((h) => h.docId), q.clauses, texts));
  return hits.filter((h) => kept.has(h.docId)).slice(0, q.pool);
}
