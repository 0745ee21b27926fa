/** What the index directory builds segments from: papers as segment documents, their signals, and segments' base statistics. */
import type { BaseStats, SegmentDoc } from '../../core/search/segment/segment-builder.ts';
import type { SegmentReader } from '../../core/search/segment/segment-reader.ts';
import { dayOf } from '../../core/search/segment/days.ts';
import type { DocSignals, IndexDoc } from '../../ports/search-index.ts';

/** Documents (deleted ones included, as statistics count them) and field-length sums of segments. */
export function baseStats(segments: readonly SegmentReader[]): BaseStats {
  const lengthSums: number[] = [];
  let docs = 0;
  for (const s of segments) {
    docs += s.docTable.count;
    s.docTable.lengthSums.forEach((sum, f) => (lengthSums[f] = (lengthSums[f] ?? 0) + sum));
  }
  return { docs, lengthSums };
}

export const toSegmentDoc = (doc: IndexDoc): SegmentDoc => ({
  seq: doc.seq,
  id: doc.id,
  day: dayOf(doc.date),
  categories: doc.categories,
  texts: [doc.title, doc.abstract, doc.authors.join(' ; ')],
});

export const signalsOf = (doc: IndexDoc): ({ seq: number } & DocSignals) | null =>
  doc.signals ? { seq: doc.seq, hfUpvotes: doc.signals.hfUpvotes ?? 0, githubStars: doc.signals.githubStars ?? 0, localVotes: doc.signals.localVotes ?? 0 } : null;
