import type { LexicalHit } from '../lexical-types.ts';
import type { ScoringQuery, ScoringStats } from './scorer.ts';
import { TopHeap } from '../top-k.ts';

/** A part of a segmented index as global statistics and the merged search see it. */
export interface StatsPart {
  readonly statDocs: number;
  fieldLengthSums(): readonly number[];
  docFreq(term: string): number;
  search(query: ScoringQuery, options: { limit: number; filter?: ((seq: number) => boolean) | undefined; stats?: ScoringStats | undefined; floor?: number | undefined }): LexicalHit[];
}

/**
 * Statistics over every part: N and field-length sums added up, df summed per term (memoised for
 * the statistics object's life, i.e. one search). Deleted documents of segments still count until
 * a merge drops them, as in Lucene; the parts' scores are then on one scale.
 */
export function globalStats(parts: readonly StatsPart[], fieldCount: number): ScoringStats {
  let docs = 0;
  const sums = new Array<number>(fieldCount).fill(0);
  for (const part of parts) {
    docs += part.statDocs;
    part.fieldLengthSums().forEach((s, f) => (sums[f]! += s));
  }
  const avgLengths = sums.map((s) => (docs > 0 ? s / docs : 1) || 1);
  const memo = new Map<string, number>();
  return {
    docs,
    avgLengths,
    docFreq(term) {
      let df = memo.get(term);
      if (df === undefined) {
        df = 0;
        for (const part of parts) df += part.docFreq(term);
        memo.set(term, df);
      }
      return df;
    },
  };
}

/**
 * Searches every part with the same global statistics and merges their top `limit`s. A document
 * lives in exactly one part, so the merged top k is exact for those statistics. Parts are searched
 * largest first, and each later part is told the k-th best score found so far (`floor`): its
 * documents below that cannot enter the merged top k, so its MaxScore pass stops sooner.
 */
export function searchParts(parts: readonly StatsPart[], fieldCount: number, query: ScoringQuery, options: { limit: number; filter?: ((seq: number) => boolean) | undefined }): LexicalHit[] {
  if (parts.length === 1) return parts[0]!.search(query, options);
  const stats = globalStats(parts, fieldCount);
  const limit = Math.max(0, options.limit);
  const best = new TopHeap(limit);
  const ordered = parts.map((part, i) => ({ part, i })).sort((a, b) => b.part.statDocs - a.part.statDocs || a.i - b.i);
  for (const { part } of ordered) {
    const floor = limit > 0 && best.size >= limit ? best.min : undefined;
    for (const hit of part.search(query, { ...options, stats, floor })) best.offer(hit.docId, hit.score);
  }
  return best.sorted();
}
