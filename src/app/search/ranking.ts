/**
 * The one place that orders papers and matches categories: search results by relevance, date or
 * trending, and the catalog's lists (trending, daily, digests). Every trending order breaks ties the
 * same way: score, then attention, then the newer paper, then the order the caller gave.
 */
import { trendingRank, trendingScore, type SignalGains, type TrendingScore } from '../../core/trending.ts';
import { dateOfDay, UNDATED } from './days.ts';
import type { DocSignals, DocTable } from './doc-table.ts';

/** Whether a paper's categories hold one of `wanted`: exactly (cs.CL) or by archive (cs matches cs.CL). */
export function inCategories(categories: readonly string[], wanted: readonly string[] | undefined): boolean {
  return !wanted?.length || wanted.some((w) => categories.some((c) => c === w || c.startsWith(`${w}.`)));
}

/**
 * The trending score (core/trending.ts) of a paper from its signals and day, at `now` (ms): by what
 * it `gained` in a list's window when given (momentum), else by the signals it owns.
 */
export function trendingOf(signals: DocSignals, day: number, now: number, gained?: SignalGains): TrendingScore {
  return trendingScore({ ...signals, date: dateOfDay(day), ...(gained ? { gained } : {}) }, now);
}

/** Score and attention of `trendingOf` without its breakdown: for ordering many papers. */
export function trendingKeyOf(signals: DocSignals, day: number, now: number, gained?: SignalGains): { score: number; attention: number } {
  return trendingRank(signals, gained, day === UNDATED ? NaN : day * 86_400_000, now);
}

/**
 * Most trending first: score, attention, newer day, then `tie` (default: equal items keep the
 * caller's order; the sort is stable).
 */
export function byTrending<T extends { trending: { score: number; attention: number }; day: number }>(items: T[], tie: (a: T, b: T) => number = () => 0): T[] {
  return items.sort((a, b) => b.trending.score - a.trending.score || b.trending.attention - a.trending.attention || b.day - a.day || tie(a, b));
}

/** Plain code-unit order (no locale rules): the last tie-break of lists, by paper id. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Results in the order a reader asked for: as ranked (relevance), newest first, or most trending
 * first; ties keep the relevance order.
 */
export function orderResults<T extends { docId: number; score: number }>(ranked: readonly T[], sort: 'relevance' | 'date' | 'trending' | undefined, docs: DocTable, now: number): readonly T[] {
  if (sort === 'date') return [...ranked].sort((a, b) => docs.day(b.docId) - docs.day(a.docId));
  if (sort === 'trending') {
    const keyed = ranked.map((item) => ({ item, day: docs.day(item.docId), trending: trendingKeyOf(docs.signals(item.docId), docs.day(item.docId), now) }));
    return byTrending(keyed).map((k) => k.item);
  }
  return ranked;
}
