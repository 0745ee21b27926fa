import { TopHeap } from '../top-k.ts';
import { blockMaxes, searchBlockMax, WindowScratch, type BlockMaxTerm } from './block-max.ts';
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
  /**
   * Whether `sat`'s buffer keeps these contents for as long as it lives (not a scratch buffer reused
   * by the next query, not a list still growing): its block maxima are then computed once and kept.
   */
  stableSat?(list: L, sat: Float32Array): boolean;
}

/** Block maxima of stable contribution arrays, by their buffer (dropped with it). */
const blockCache = new WeakMap<ArrayBufferLike, Float32Array>();

function blocksOf<L extends TermPostings>(source: ScoringSource<L>, list: L, sat: Float32Array): Float32Array {
  if (!source.stableSat?.(list, sat)) return blockMaxes(sat, list.length);
  let blocks = blockCache.get(sat.buffer);
  if (!blocks) {
    blocks = blockMaxes(sat, list.length);
    blockCache.set(sat.buffer, blocks);
  }
  return blocks;
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
  readonly window = new WindowScratch();
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
  /** Counts of the block-max evaluation (windows visited and skipped, documents completed). */
  counts?: { windows: number; skipped: number; completed: number } | undefined;
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
  // Plain OR queries of several terms: block-max MaxScore (block-max.ts), exact, usually reading a
  // fraction of the postings of the common terms.
  if (plain && query.should.length > 1) {
    const terms: BlockMaxTerm[] = [];
    for (const clause of query.should) {
      const list = source.list(clause.term);
      if (!list || list.length === 0) continue;
      const sat = source.sat(list, avg);
      terms.push({ docs: list.docs, length: list.length, sat, weight: idf(clause.term), blocks: blocksOf(source, list, sat) });
    }
    const heap = searchBlockMax(terms, { limit: options.limit, slotDoc, slots: source.slots, filter: options.filter, floor: options.floor, counts: options.counts }, scratch.window);
    return heap.sorted();
  }

  for (const clause of query.should) {
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
