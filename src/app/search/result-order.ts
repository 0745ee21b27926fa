import { trendingScore } from '../../core/trending.ts';
import type { IndexedDoc } from './search-types.ts';

/** Plain code-unit order (ISO dates compare correctly as strings; no locale rules). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Results in the order a reader asked for: as ranked (relevance), newest first, or most trending
 * first; ties keep the relevance order.
 */
export function orderResults<T extends { docId: number; score: number }>(
  ranked: readonly T[],
  sort: 'relevance' | 'date' | 'trending' | undefined,
  docOf: (docId: number) => IndexedDoc | undefined,
  now: number,
): readonly T[] {
  if (sort === 'date') {
    return [...ranked].sort((a, b) => compareStrings(docOf(b.docId)?.date ?? '', docOf(a.docId)?.date ?? '') || b.score - a.score);
  }
  if (sort === 'trending') {
    const trend = new Map(ranked.map((s) => [s.docId, trendScoreOf(docOf(s.docId), now)]));
    return [...ranked].sort((a, b) => trend.get(b.docId)! - trend.get(a.docId)! || b.score - a.score);
  }
  return ranked;
}

/** The trending score of an indexed paper at `now`. */
export function trendScoreOf(doc: IndexedDoc | undefined, now: number): number {
  return trendingScore({ ...doc?.signals, date: doc?.date ?? null }, now).score;
}
