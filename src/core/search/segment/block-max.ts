import { TopHeap } from '../top-k.ts';

/**
 * Block-max MaxScore for plain OR queries (BM25F contributions summed), document range by document
 * range: the "windowed" evaluation of Lucene's MaxScoreBulkScorer (Ding & Suel, "Faster top-k
 * document retrieval using block-max indexes", SIGIR 2011; Mallia et al., "An experimental study of
 * index compression and DAAT query processing methods", ECIR 2019, for MaxScore with block bounds).
 *
 * Each term's postings are cut into blocks of {@link BLOCK} postings with the largest contribution
 * of each block. The slots are visited in windows of {@link WINDOW}; in a window a term can add at
 * most weight x (the largest block maximum among the blocks its postings there fall in). Terms are
 * sorted by that window bound; the smallest ones whose bounds together stay below the current k-th
 * best score (the threshold) are "non-essential": a document holding only them cannot enter the top
 * k. The essential terms' postings in the window are accumulated; each document found is completed
 * from the non-essential terms (read forward, candidates in slot order) only while its score plus
 * what they could still add reaches the threshold. A window whose terms together cannot reach the
 * threshold is skipped without reading a posting. Exact: the same top k as scoring every posting.
 * A document kept is scored with its terms' contributions added in the query's order, so its score
 * does not depend on what was pruned (a floor, a threshold reached sooner).
 */

/** Postings per block. */
export const BLOCK = 64;
/** Slots per window. */
export const WINDOW = 4096;

/** One query term as the windowed search reads it. */
export interface BlockMaxTerm {
  /** Slots, ascending. */
  readonly docs: Int32Array;
  readonly length: number;
  /** Saturated contribution per posting (tf~/(k1+tf~)). */
  readonly sat: Float32Array;
  /** The idf weight multiplying it. */
  readonly weight: number;
  /** Largest `sat` of each block of {@link BLOCK} postings. */
  readonly blocks: Float32Array;
}

/** The largest value of each block of `BLOCK` entries of `sat[0..length)`. */
export function blockMaxes(sat: Float32Array, length: number): Float32Array {
  const out = new Float32Array(Math.ceil(length / BLOCK));
  for (let b = 0, start = 0; start < length; b++, start += BLOCK) {
    const end = Math.min(length, start + BLOCK);
    let max = 0;
    for (let i = start; i < end; i++) if (sat[i]! > max) max = sat[i]!;
    out[b] = max;
  }
  return out;
}

/** Reusable window accumulators. */
export class WindowScratch {
  readonly scores = new Float32Array(WINDOW);
  readonly seen = new Uint8Array(WINDOW);
  readonly touched = new Int32Array(WINDOW);
  /** Term t's contribution to window slot s at t * WINDOW + s (zero when absent). */
  contributions = new Float32Array(WINDOW * 8);
  ensure(terms: number): Float32Array {
    if (this.contributions.length < terms * WINDOW) this.contributions = new Float32Array(terms * WINDOW);
    return this.contributions;
  }
}

/** First index in [from, length) whose slot is >= `slot` (galloping then binary search). */
function advance(docs: Int32Array, length: number, from: number, slot: number): number {
  if (from >= length || docs[from]! >= slot) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < length && docs[hi]! < slot) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > length) hi = length;
  // docs[lo] < slot; docs[hi] >= slot or hi === length
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < slot) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A bound computed in float64 may fall a few float32 roundings short of a score summed in float32. */
const below = (bound: number, threshold: number) => bound * (1 + 1e-6) + 1e-9 < threshold;

export interface BlockMaxOptions {
  limit: number;
  /** Slot -> doc id; -1 when deleted (skipped). */
  slotDoc: Int32Array;
  slots: number;
  filter?: ((docId: number) => boolean) | undefined;
  /** A score below which a document cannot enter the caller's merged top k. */
  floor?: number | undefined;
  /** Counts windows skipped and documents completed (for tests and profiles). */
  counts?: { windows: number; skipped: number; completed: number } | undefined;
}

/** The best `limit` documents by summed contribution, ties by doc id (see the file comment). */
export function searchBlockMax(terms: readonly BlockMaxTerm[], options: BlockMaxOptions, scratch: WindowScratch): TopHeap {
  const heap = new TopHeap(Math.max(0, options.limit));
  if (options.limit <= 0 || terms.length === 0) return heap;
  const { slotDoc, filter, counts: stats } = options;
  const floor = options.floor ?? -Infinity;
  const n = terms.length;
  const cursor = new Int32Array(n);
  const end = new Int32Array(n);
  const bound = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const { scores, seen, touched } = scratch;
  const contributions = scratch.ensure(n);
  const at = new Int32Array(n);
  let start = Infinity;
  for (const term of terms) if (term.length > 0) start = Math.min(start, term.docs[0]!);
  if (start === Infinity) return heap;
  const threshold = () => (heap.size >= options.limit ? Math.max(floor, heap.min) : floor);

  for (let w0 = start - (start % WINDOW); w0 < options.slots; w0 += WINDOW) {
    const w1 = w0 + WINDOW;
    let any = false;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const term = terms[i]!;
      const from = advance(term.docs, term.length, cursor[i]!, w0);
      const to = advance(term.docs, term.length, from, w1);
      cursor[i] = from;
      end[i] = to;
      let max = 0;
      if (to > from) {
        any = true;
        const blocks = term.blocks;
        const last = ((to - 1) / BLOCK) | 0;
        for (let b = (from / BLOCK) | 0; b <= last; b++) if (blocks[b]! > max) max = blocks[b]!;
      }
      bound[i] = term.weight * max;
      total += bound[i]!;
    }
    if (!any) {
      // Jump to the window of the next posting of any term.
      let next = Infinity;
      for (let i = 0; i < n; i++) if (cursor[i]! < terms[i]!.length) next = Math.min(next, terms[i]!.docs[cursor[i]!]!);
      if (next === Infinity) break;
      w0 = next - (next % WINDOW) - WINDOW;
      continue;
    }
    if (stats) stats.windows++;
    let theta = threshold();
    if (below(total, theta)) {
      if (stats) stats.skipped++;
      continue;
    }
    // Non-essential: the smallest bounds while their sum stays below the threshold.
    order.sort((a, b) => bound[a]! - bound[b]!);
    let essentialFrom = 0;
    let nonEssential = 0;
    while (essentialFrom < n && below(nonEssential + bound[order[essentialFrom]!]!, theta)) nonEssential += bound[order[essentialFrom++]!]!;

    let count = 0;
    for (let e = essentialFrom; e < n; e++) {
      const i = order[e]!;
      const { docs, sat, weight } = terms[i]!;
      const base = i * WINDOW;
      for (let j = cursor[i]!; j < end[i]!; j++) {
        const local = docs[j]! - w0; // deleted documents are dropped below, as candidates
        if (seen[local] === 0) {
          seen[local] = 1;
          scores[local] = 0;
          touched[count++] = local;
        }
        const c = Math.fround(weight * sat[j]!);
        contributions[base + local] = c;
        scores[local]! += c;
      }
    }
    // Candidates in slot order, so each non-essential term is read forward once: a few are sorted,
    // many are found by a scan of the window's marks.
    const sparse = count * 32 < WINDOW;
    if (sparse) touched.subarray(0, count).sort();
    for (let e = 0; e < essentialFrom; e++) at[order[e]!] = cursor[order[e]!]!;
    for (let t = 0, local = -1; t < count; t++) {
      if (sparse) local = touched[t]!;
      else while (seen[++local] === 0);
      seen[local] = 0;
      let score = scores[local]!;
      const slot = w0 + local;
      const docId = slotDoc[slot]!;
      if (docId !== -1 && !below(score + nonEssential, theta)) {
        if (!filter || filter(docId)) {
          let rest = nonEssential;
          let e = essentialFrom - 1;
          for (; e >= 0; e--) {
            const i = order[e]!;
            const term = terms[i]!;
            const j = (at[i] = advance(term.docs, end[i]!, at[i]!, slot));
            if (j < end[i]! && term.docs[j] === slot) {
              const c = Math.fround(term.weight * term.sat[j]!);
              contributions[i * WINDOW + local] = c;
              score += c;
            }
            rest -= bound[i]!;
            if (below(score + rest, theta)) break;
          }
          if (e < 0 && !below(score, theta)) {
            if (stats) stats.completed++;
            // The score again with the terms added in the query's order, so that it does not depend
            // on what was pruned.
            let exact = 0;
            for (let i = 0; i < n; i++) exact = Math.fround(exact + contributions[i * WINDOW + local]!);
            if (exact >= floor) {
              heap.offer(docId, exact);
              theta = threshold();
            }
          }
        }
      }
      for (let e = 0; e < essentialFrom; e++) contributions[order[e]! * WINDOW + local] = 0;
    }
    for (let e = essentialFrom; e < n; e++) {
      const i = order[e]!;
      const docs = terms[i]!.docs;
      for (let j = cursor[i]!; j < end[i]!; j++) contributions[i * WINDOW + docs[j]! - w0] = 0;
    }
  }
  return heap;
}
