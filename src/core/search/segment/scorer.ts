import { TopHeap } from '../top-k.ts';
import type { FieldSpec, LexicalHit, TermClause } from '../lexical-types.ts';

/**
 * BM25F search over any postings source: the in-memory LexicalIndex (the delta) and the on-disk
 * segments share this one implementation. A source numbers its documents by "slot" (the in-memory
 * index's ordinals, a segment's doc numbers); postings list slots in increasing order.
 *
 * Score of a document for clauses t: sum over t of idf(t) * tf~ / (k1 + tf~), with
 * tf~ = sum over fields f of w_f * tf_f / (1 - b_f + b_f * len_f / avglen_f) and
 * idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) (Robertson & Zaragoza, "The Probabilistic Relevance
 * Framework: BM25 and Beyond", section 3.4). N, df and avglen are the caller's `stats`: with global
 * stats, every part of a segmented index scores on the same scale.
 */

/** One term's postings in a source. */
export interface TermPostings {
  /** Postings count. */
  readonly length: number;
  /** Slots, ascending (the array may be longer than `length`). */
  readonly docs: Int32Array;
  /** Largest saturated contribution (valid after `sat`). */
  readonly maxSat: number;
}

export interface ScoringSource<L extends TermPostings = TermPostings> {
  readonly fields: readonly FieldSpec[];
  readonly k1: number;
  /** Slots are in [0, slots). */
  readonly slots: number;
  /** Slot -> external doc id (seq); -1 when the document is deleted. */
  readonly slotDoc: Int32Array;
  /** Slot * fieldCount + f -> length of field f. */
  readonly lengths: ArrayLike<number>;
  list(term: string): L | null;
  /** Cached tf~/(k1+tf~) per posting for unfielded clauses (`avg`: the averages to use where computed now). */
  sat(list: L, avg: readonly number[]): Float32Array;
  /** Posting i, field f -> term frequency at i * fieldCount + f. */
  tfs(list: L): ArrayLike<number>;
}

/** The statistics a search scores with. */
export interface ScoringStats {
  readonly docs: number;
  readonly avgLengths: readonly number[];
  docFreq(term: string): number;
}

export interface ScoringQuery {
  should: readonly TermClause[];
  must?: readonly (readonly TermClause[])[];
  mustNot?: readonly TermClause[];
}

/** Reusable accumulators (grown to the largest source searched). */
export class ScoringScratch {
  scores = new Float32Array(0);
  marks = new Uint8Array(0);
  touched = new Int32Array(0);
  ensure(n: number): void {
    if (this.scores.length >= n) return;
    const size = Math.max(n, this.scores.length * 2);
    this.scores = new Float32Array(size);
    this.marks = new Uint8Array(size);
    this.touched = new Int32Array(size);
  }
}

/**
 * tf~/(k1+tf~) of posting i: tf~ = sum over fields f of w_f * tf_f / (1 - b_f + b_f * len_f / avg_f).
 * The one saturation formula of every index (in-memory, segment builder, merge, drift recompute).
 */
export function saturation(fields: readonly FieldSpec[], k1: number, tfs: ArrayLike<number>, i: number, lengths: ArrayLike<number>, slot: number, avg: readonly number[]): number {
  const F = fields.length;
  let tf = 0;
  for (let f = 0; f < F; f++) {
    const raw = tfs[i * F + f]!;
    if (raw === 0) continue;
    const field = fields[f]!;
    tf += (field.weight * raw) / (1 - field.b + (field.b * lengths[slot * F + f]!) / avg[f]!);
  }
  return tf / (k1 + tf);
}

/** Whether averages drifted more than 0.5% (in any field) from those cached contributions were computed with. */
export function drifted(used: ArrayLike<number>, avg: readonly number[]): boolean {
  for (let f = 0; f < avg.length; f++) if (Math.abs(avg[f]! - used[f]!) > 0.005 * used[f]!) return true;
  return false;
}

export function idfOf(stats: ScoringStats, term: string): number {
  const df = stats.docFreq(term);
  return Math.log(1 + (stats.docs - df + 0.5) / (df + 0.5));
}

/** Index of a slot's posting in a list, or -1. */
export function findSlot(list: TermPostings, slot: number): number {
  let lo = 0;
  let hi = list.length - 1;
  const docs = list.docs;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = docs[mid]!;
    if (v === slot) return mid;
    if (v < slot) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface SearchSourceOptions {
  limit: number;
  filter?: ((docId: number) => boolean) | undefined;
  /**
   * A score the caller already has `limit` hits at or above (the k-th best of the parts searched
   * before this one): a document scoring below it cannot enter the merged top k, so MaxScore may stop
   * looking for new documents sooner. Default -Infinity.
   */
  floor?: number | undefined;
}

/**
 * Scores documents for the `should` clauses (BM25F, summed), keeps those matching every `must`
 * group and none of the `mustNot` clauses, and returns the best `limit` by score, ties by doc id.
 * A document must match at least one scored or required clause.
 */
export function searchSource<L extends TermPostings>(
  source: ScoringSource<L>,
  input: ScoringQuery,
  options: SearchSourceOptions,
  stats: ScoringStats,
  scratch: ScoringScratch,
): LexicalHit[] {
  let query = input;
  scratch.ensure(source.slots);
  const { scores, marks, touched } = scratch; // marks bit 0: touched, bit 1: excluded
  const slotDoc = source.slotDoc;
  let touchedCount = 0;
  const fields = source.fields;
  const F = fields.length;
  const fieldIndex = (name: string) => fields.findIndex((f) => f.name === name);
  const avg = stats.avgLengths;
  const idf = (term: string) => idfOf(stats, term);
  const weightsFor = (clause: TermClause) => fields.map((field) => (!clause.fields || clause.fields.includes(field.name) ? field.weight : 0));
  const touch = (slot: number) => {
    if ((marks[slot]! & 1) === 0) {
      marks[slot] = 1;
      scores[slot] = 0;
      touched[touchedCount++] = slot;
    }
  };

  // A word found in nearly every document (idf below 0.01, i.e. in over 99% of them) cannot move
  // a ranking that other words decide, yet costs a pass over every posting: it is dropped when the
  // query has other words (a query made only of such words keeps them).
  const informative = query.should.filter((c) => idf(c.term) >= 0.01);
  if (informative.length > 0 && informative.length < query.should.length) query = { ...query, should: informative };
  const plain = !query.must?.length && !query.mustNot?.length && query.should.every((c) => !c.fields);
  if (plain && query.should.length === 1) {
    // One term: its postings go straight into the top-k heap, nothing else to accumulate.
    const list = source.list(query.should[0]!.term);
    if (!list) return [];
    const sat = source.sat(list, avg);
    const weight = idf(query.should[0]!.term);
    const heap = new TopHeap(Math.max(0, options.limit));
    const floor = options.floor ?? -Infinity;
    for (let j = 0; j < list.length; j++) {
      const docId = slotDoc[list.docs[j]!]!;
      if (docId === -1) continue;
      const score = Math.fround(weight * sat[j]!);
      if (score < floor || (options.filter && !options.filter(docId))) continue;
      heap.offer(docId, score);
    }
    return heap.sorted();
  }

  const accumulate = (list: L, sat: Float32Array, weight: number) => {
    const docs = list.docs;
    for (let j = 0; j < list.length; j++) {
      const slot = docs[j]!;
      if (slotDoc[slot] === -1) continue;
      touch(slot);
      scores[slot]! += weight * sat[j]!;
    }
  };
  // Whether at least k touched documents that pass the filter score above `bound` (i.e. the k-th best
  // score among them is above it): one pass that stops at the k-th, no heap.
  const kAbove = (k: number, bound: number) => {
    if (k <= 0) return true;
    let n = 0;
    for (let t = 0; t < touchedCount; t++) {
      const slot = touched[t]!;
      if (scores[slot]! <= bound) continue;
      if (options.filter && !options.filter(slotDoc[slot]!)) continue;
      if (++n >= k) return true;
    }
    return false;
  };

  // MaxScore (Turtle & Flood 1995) for plain OR queries: terms in decreasing order of the most they
  // can add; once the terms left cannot lift an unseen document above the current k-th score, they
  // only update documents already seen. Exact: the same top k as scoring everything.
  const pruning = plain && query.should.length > 1;
  if (pruning) {
    const items = query.should
      .map((clause) => ({ clause, list: source.list(clause.term) }))
      .filter((item): item is { clause: TermClause; list: L } => item.list !== null && item.list.length > 0)
      .map(({ clause, list }) => {
        const sat = source.sat(list, avg);
        const weight = idf(clause.term);
        return { list, sat, weight, bound: weight * list.maxSat };
      })
      .sort((a, b) => b.bound - a.bound);
    const rest = new Float64Array(items.length + 1);
    for (let i = items.length - 1; i >= 0; i--) rest[i] = rest[i + 1]! + items[i]!.bound;
    const floor = options.floor ?? -Infinity;
    let i = 0;
    for (; i < items.length; i++) {
      if (rest[i]! < floor) break; // no document seen only from here on can enter the merged top k
      if (i > 0 && touchedCount >= options.limit && kAbove(options.limit, rest[i]!)) break;
      const { list, sat, weight } = items[i]!;
      accumulate(list, sat, weight);
    }
    for (; i < items.length; i++) {
      const { list, sat, weight } = items[i]!;
      if (touchedCount * 24 < list.length) {
        for (let t = 0; t < touchedCount; t++) {
          const slot = touched[t]!;
          const j = findSlot(list, slot);
          if (j >= 0) scores[slot]! += weight * sat[j]!;
        }
      } else {
        for (let j = 0; j < list.length; j++) {
          const slot = list.docs[j]!;
          if (marks[slot]! & 1) scores[slot]! += weight * sat[j]!;
        }
      }
    }
  }

  for (const clause of pruning ? [] : query.should) {
    const list = source.list(clause.term);
    if (!list) continue;
    const weight = idf(clause.term);
    if (!clause.fields) {
      // Unfielded clauses use the cached saturated term frequencies: one multiply per posting.
      accumulate(list, source.sat(list, avg), weight);
      continue;
    }
    const weights = weightsFor(clause);
    const tfs = source.tfs(list);
    const lengths = source.lengths;
    for (let i = 0; i < list.length; i++) {
      const slot = list.docs[i]!;
      if (slotDoc[slot] === -1) continue;
      let tf = 0;
      for (let f = 0; f < F; f++) {
        const raw = tfs[i * F + f]!;
        if (raw === 0 || weights[f] === 0) continue;
        const field = fields[f]!;
        tf += (weights[f]! * raw) / (1 - field.b + (field.b * lengths[slot * F + f]!) / avg[f]!);
      }
      if (tf === 0) continue;
      touch(slot);
      scores[slot]! += (weight * tf) / (source.k1 + tf);
    }
  }

  const inFields = (clause: TermClause, tfs: ArrayLike<number>, i: number) =>
    !clause.fields || clause.fields.some((name) => tfs[i * F + Math.max(0, fieldIndex(name))]! > 0);

  // Required groups (a phrase's terms, a term's alternatives): each group is an OR of clauses.
  const requiredCounts = query.must && query.must.length > 0 ? new Map<number, number>() : null;
  if (query.must && requiredCounts) {
    query.must.forEach((group, g) => {
      const seen = new Set<number>();
      for (const clause of group) {
        const list = source.list(clause.term);
        if (!list) continue;
        const tfs = clause.fields ? source.tfs(list) : null;
        for (let i = 0; i < list.length; i++) {
          const slot = list.docs[i]!;
          if (slotDoc[slot] === -1 || seen.has(slot)) continue;
          if (tfs && !inFields(clause, tfs, i)) continue;
          seen.add(slot);
          if ((requiredCounts.get(slot) ?? 0) === g) requiredCounts.set(slot, g + 1);
          touch(slot);
        }
      }
    });
  }
  for (const clause of query.mustNot ?? []) {
    const list = source.list(clause.term);
    if (!list) continue;
    const tfs = clause.fields ? source.tfs(list) : null;
    for (let i = 0; i < list.length; i++) {
      const slot = list.docs[i]!;
      if (tfs && !inFields(clause, tfs, i)) continue;
      if (marks[slot]! & 1) marks[slot] = marks[slot]! | 2;
    }
  }

  const needed = query.must?.length ?? 0;
  // Best `limit` without materialising every touched document: a bounded heap in typed arrays.
  const heap = new TopHeap(Math.max(0, options.limit));
  for (let t = 0; t < touchedCount; t++) {
    const slot = touched[t]!;
    const excluded = (marks[slot]! & 2) !== 0;
    marks[slot] = 0;
    if (excluded) continue;
    if (requiredCounts && (requiredCounts.get(slot) ?? 0) < needed) continue;
    const docId = slotDoc[slot]!;
    if (options.filter && !options.filter(docId)) continue;
    heap.offer(docId, scores[slot]!);
  }
  return heap.sorted();
}

/** Whether the posting at `i` of a list has the term in one of the clause's fields (any when none). */
export function postingInFields(fields: readonly FieldSpec[], clause: TermClause, tfs: ArrayLike<number>, i: number): boolean {
  const F = fields.length;
  return !clause.fields || clause.fields.some((name) => (tfs[i * F + fields.findIndex((f) => f.name === name)] ?? 0) > 0);
}
