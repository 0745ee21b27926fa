import { eachTerm } from './analyzer.ts';
import { findPosting, Postings } from './postings.ts';
import { TopHeap, topK } from './top-k.ts';

export { topK };
export type { FieldSpec, LexicalHit, LexicalIndexOptions, TermClause } from './lexical-types.ts';
import type { FieldSpec, LexicalHit, LexicalIndexOptions, TermClause } from './lexical-types.ts';

/**
 * An in-memory BM25F inverted index over typed arrays. It knows nothing of papers: documents are
 * integer ids with named text fields. Updating a document gives it a new internal ordinal and
 * tombstones the old one (tombstones are skipped at query time and dropped when the index is
 * rebuilt at start-up).
 *
 * Score of a document for clauses t: sum over t of idf(t) * tf~ / (k1 + tf~), with
 * tf~ = sum over fields f of w_f * tf_f / (1 - b_f + b_f * len_f / avglen_f) and
 * idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) (Robertson & Zaragoza, "The Probabilistic Relevance
 * Framework: BM25 and Beyond", section 3.4).
 */
export class LexicalIndex {
  readonly fields: readonly FieldSpec[];
  readonly k1: number;
  private readonly analyzeText: (text: string, emit: (term: string) => void) => void;
  private readonly fieldIndex: Map<string, number>;
  private readonly postings = new Map<string, Postings>();
  /** ordinal -> external doc id (-1 when deleted). */
  private ordinalDoc = new Int32Array(1024);
  /** ordinal * fieldCount + f -> length of field f. */
  private lengths = new Uint32Array(1024 * 4);
  private ordinals = 0;
  private readonly docOrdinal = new Map<number, number>();
  /** The postings lists a live document appears in, to keep df exact on removal. */
  private readonly docTerms = new Map<number, Postings[]>();
  private readonly lengthSums: Float64Array;
  private live = 0;
  /** Bumped when average field lengths drift: cached per-posting contributions are recomputed. */
  private avgGeneration = 0;
  private avgUsed: number[] | null = null;
  private scores = new Float32Array(0);
  private marks = new Uint8Array(0);
  private touched = new Int32Array(0);

  constructor(options: LexicalIndexOptions) {
    if (options.fields.length === 0) throw new Error('LexicalIndex: at least one field is needed');
    this.fields = options.fields;
    this.k1 = options.k1 ?? 1.2;
    this.analyzeText = options.analyze ?? ((text, emit) => eachTerm(text, emit));
    this.fieldIndex = new Map(options.fields.map((f, i) => [f.name, i]));
    this.lengths = new Uint32Array(1024 * options.fields.length);
    this.lengthSums = new Float64Array(options.fields.length);
  }

  get size(): number {
    return this.live;
  }

  has(docId: number): boolean {
    return this.docOrdinal.has(docId);
  }

  /** Terms, postings and the bytes held by the typed arrays (maps and strings not counted). */
  stats(): { terms: number; postings: number; typedArrayBytes: number } {
    let postings = 0;
    let bytes = this.ordinalDoc.byteLength + this.lengths.byteLength + this.scores.byteLength + this.marks.byteLength;
    for (const list of this.postings.values()) {
      postings += list.length;
      bytes += list.docs.byteLength + list.tfs.byteLength + (list.sat?.byteLength ?? 0);
    }
    return { terms: this.postings.size, postings, typedArrayBytes: bytes };
  }

  /** Adds a document, replacing any previous one with the same id. */
  add(docId: number, fields: Readonly<Record<string, string | undefined>>): void {
    if (this.docOrdinal.has(docId)) this.remove(docId);
    const F = this.fields.length;
    const ordinal = this.ordinals++;
    this.grow(ordinal + 1);
    const tfs = new Map<string, number[]>();
    this.fields.forEach((field, f) => {
      let length = 0;
      this.analyzeText(fields[field.name] ?? '', (term) => {
        length++;
        let row = tfs.get(term);
        if (!row) tfs.set(term, (row = new Array<number>(F).fill(0)));
        row[f]!++;
      });
      this.lengths[ordinal * F + f] = length;
      this.lengthSums[f]! += length;
    });
    const lists: Postings[] = [];
    for (const [term, row] of tfs) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = new Postings(F)));
      list.push(ordinal, row);
      list.df++;
      lists.push(list);
    }
    this.ordinalDoc[ordinal] = docId;
    this.docOrdinal.set(docId, ordinal);
    this.docTerms.set(docId, lists);
    this.live++;
  }

  remove(docId: number): boolean {
    const ordinal = this.docOrdinal.get(docId);
    if (ordinal === undefined) return false;
    const F = this.fields.length;
    for (let f = 0; f < F; f++) this.lengthSums[f]! -= this.lengths[ordinal * F + f]!;
    for (const list of this.docTerms.get(docId) ?? []) list.df--;
    this.ordinalDoc[ordinal] = -1;
    this.docOrdinal.delete(docId);
    this.docTerms.delete(docId);
    this.live--;
    return true;
  }

  /** Document frequency of an analysed term. */
  docFreq(term: string): number {
    return this.postings.get(term)?.df ?? 0;
  }

  idf(term: string): number {
    const df = this.docFreq(term);
    return Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
  }

  /** Whether a document holds the term (in the given fields, or any). */
  contains(docId: number, clause: TermClause): boolean {
    const ordinal = this.docOrdinal.get(docId);
    const list = this.postings.get(clause.term);
    if (ordinal === undefined || !list) return false;
    const at = findPosting(list, ordinal);
    if (at < 0) return false;
    return !clause.fields || clause.fields.some((name) => (list.tfs[at * list.fieldCount + (this.fieldIndex.get(name) ?? -1)] ?? 0) > 0);
  }


  /**
   * Scores documents for the `should` clauses (BM25F, summed), keeps those matching every `must`
   * clause and none of the `mustNot` ones, and returns the best `limit` by score, ties by doc id.
   * A document must match at least one scored or required clause.
   */
  search(input: { should: readonly TermClause[]; must?: readonly TermClause[][]; mustNot?: readonly TermClause[] }, options: { limit: number; filter?: (docId: number) => boolean }): LexicalHit[] {
    let query = input;
    const n = this.ordinals;
    if (this.scores.length < n) {
      this.scores = new Float32Array(Math.max(n, this.scores.length * 2));
      this.marks = new Uint8Array(this.scores.length);
    }
    const scores = this.scores;
    const marks = this.marks; // bit 0: touched, bit 1: excluded; required groups counted separately
    if (this.touched.length < n) this.touched = new Int32Array(this.scores.length);
    const touched = this.touched;
    let touchedCount = 0;
    const F = this.fields.length;
    const avg = Array.from(this.lengthSums, (sum) => (this.live > 0 ? sum / this.live : 1) || 1);

    const weightsFor = (clause: TermClause) =>
      this.fields.map((field) => (!clause.fields || clause.fields.includes(field.name) ? field.weight : 0));

    // A word found in nearly every document (idf below 0.01, i.e. in over 99% of them) cannot move
    // a ranking that other words decide, yet costs a pass over every posting: it is dropped when the
    // query has other words (a query made only of such words keeps them).
    const informative = query.should.filter((c) => this.idf(c.term) >= 0.01);
    if (informative.length > 0 && informative.length < query.should.length) query = { ...query, should: informative };
    const plain = !query.must?.length && !query.mustNot?.length && query.should.every((c) => !c.fields);
    if (plain && query.should.length === 1) {
      // One term: its postings go straight into the top-k heap, nothing else to accumulate.
      const list = this.postings.get(query.should[0]!.term);
      if (!list) return [];
      const sat = this.saturated(list, avg);
      const idf = this.idf(query.should[0]!.term);
      const heap = new TopHeap(Math.max(0, options.limit));
      for (let j = 0; j < list.length; j++) {
        const docId = this.ordinalDoc[list.docs[j]!]!;
        if (docId === -1 || (options.filter && !options.filter(docId))) continue;
        heap.offer(docId, Math.fround(idf * sat[j]!));
      }
      return heap.sorted();
    }
    // MaxScore (Turtle & Flood 1995) for plain OR queries: terms in decreasing order of the most they
    // can add; once the terms left cannot lift an unseen document above the current k-th score, they
    // only update documents already seen. Exact: the same top k as scoring everything.
    const pruning = plain && query.should.length > 1;
    if (pruning) {
      const items = query.should
        .map((clause) => this.postings.get(clause.term))
        .filter((list): list is Postings => list !== undefined && list.length > 0)
        .map((list) => {
          const sat = this.saturated(list, avg);
          const idf = Math.log(1 + (this.live - list.df + 0.5) / (list.df + 0.5));
          return { list, sat, idf, bound: idf * list.maxSat };
        })
        .sort((a, b) => b.bound - a.bound);
      const rest = new Float64Array(items.length + 1);
      for (let i = items.length - 1; i >= 0; i--) rest[i] = rest[i + 1]! + items[i]!.bound;
      let i = 0;
      for (; i < items.length; i++) {
        if (i > 0 && touchedCount >= options.limit && rest[i]! < this.kthScore(touched, touchedCount, options.limit, options.filter)) break;
        const { list, sat, idf } = items[i]!;
        touchedCount = this.accumulate(list, sat, idf, touchedCount);
      }
      for (; i < items.length; i++) {
        const { list, sat, idf } = items[i]!;
        if (touchedCount * 24 < list.length) {
          for (let t = 0; t < touchedCount; t++) {
            const ordinal = touched[t]!;
            const j = findPosting(list, ordinal);
            if (j >= 0) scores[ordinal]! += idf * sat[j]!;
          }
        } else {
          for (let j = 0; j < list.length; j++) {
            const ordinal = list.docs[j]!;
            if (marks[ordinal]! & 1) scores[ordinal]! += idf * sat[j]!;
          }
        }
      }
    }

    for (const clause of pruning ? [] : query.should) {
      const list = this.postings.get(clause.term);
      if (!list) continue;
      const idf = this.idf(clause.term);
      if (!clause.fields) {
        // Unfielded clauses use the cached saturated term frequencies: one multiply per posting.
        touchedCount = this.accumulate(list, this.saturated(list, avg), idf, touchedCount);
        continue;
      }
      const weights = weightsFor(clause);
      for (let i = 0; i < list.length; i++) {
        const ordinal = list.docs[i]!;
        if (this.ordinalDoc[ordinal] === -1) continue;
        let tf = 0;
        for (let f = 0; f < F; f++) {
          const raw = list.tfs[i * F + f]!;
          if (raw === 0 || weights[f] === 0) continue;
          const field = this.fields[f]!;
          tf += (weights[f]! * raw) / (1 - field.b + (field.b * this.lengths[ordinal * F + f]!) / avg[f]!);
        }
        if (tf === 0) continue;
        if ((marks[ordinal]! & 1) === 0) {
          marks[ordinal] = 1;
          scores[ordinal] = 0;
          touched[touchedCount++] = ordinal;
        }
        scores[ordinal]! += (idf * tf) / (this.k1 + tf);
      }
    }

    // Required groups (a phrase's terms, a term's alternatives): each group is an OR of clauses.
    const requiredCounts = query.must && query.must.length > 0 ? new Map<number, number>() : null;
    if (query.must && requiredCounts) {
      query.must.forEach((group, g) => {
        const seen = new Set<number>();
        for (const clause of group) {
          const list = this.postings.get(clause.term);
          if (!list) continue;
          for (let i = 0; i < list.length; i++) {
            const ordinal = list.docs[i]!;
            if (this.ordinalDoc[ordinal] === -1 || seen.has(ordinal)) continue;
            if (clause.fields && !clause.fields.some((name) => list.tfs[i * F + (this.fieldIndex.get(name) ?? 0)]! > 0)) continue;
            seen.add(ordinal);
            if ((requiredCounts.get(ordinal) ?? 0) === g) requiredCounts.set(ordinal, g + 1);
            if ((marks[ordinal]! & 1) === 0) {
              marks[ordinal] = 1;
              scores[ordinal] = 0;
              touched[touchedCount++] = ordinal;
            }
          }
        }
      });
    }
    for (const clause of query.mustNot ?? []) {
      const list = this.postings.get(clause.term);
      if (!list) continue;
      for (let i = 0; i < list.length; i++) {
        const ordinal = list.docs[i]!;
        if (clause.fields && !clause.fields.some((name) => list.tfs[i * F + (this.fieldIndex.get(name) ?? 0)]! > 0)) continue;
        if (marks[ordinal]! & 1) marks[ordinal] = marks[ordinal]! | 2;
      }
    }

    const needed = query.must?.length ?? 0;
    // Best `limit` without materialising every touched document: a bounded heap in typed arrays.
    const heap = new TopHeap(Math.max(0, options.limit));
    for (let t = 0; t < touchedCount; t++) {
      const ordinal = touched[t]!;
      const excluded = (marks[ordinal]! & 2) !== 0;
      marks[ordinal] = 0;
      if (excluded) continue;
      if (requiredCounts && (requiredCounts.get(ordinal) ?? 0) < needed) continue;
      const docId = this.ordinalDoc[ordinal]!;
      if (options.filter && !options.filter(docId)) continue;
      heap.offer(docId, scores[ordinal]!);
    }
    return heap.sorted();
  }

  /** Adds idf x cached contribution of every live posting to its document; returns the touched count. */
  private accumulate(list: Postings, sat: Float32Array, idf: number, touchedCount: number): number {
    const { scores, marks, touched, ordinalDoc } = this;
    for (let j = 0; j < list.length; j++) {
      const ordinal = list.docs[j]!;
      if (ordinalDoc[ordinal] === -1) continue;
      if ((marks[ordinal]! & 1) === 0) {
        marks[ordinal] = 1;
        scores[ordinal] = 0;
        touched[touchedCount++] = ordinal;
      }
      scores[ordinal]! += idf * sat[j]!;
    }
    return touchedCount;
  }

  /** The k-th best score among touched documents that pass the filter (-Infinity if fewer than k). */
  private kthScore(touched: Int32Array, count: number, k: number, filter?: (docId: number) => boolean): number {
    if (k <= 0) return Infinity;
    const heap = new TopHeap(k);
    for (let t = 0; t < count; t++) {
      const ordinal = touched[t]!;
      const docId = this.ordinalDoc[ordinal]!;
      if (filter && !filter(docId)) continue;
      heap.offer(docId, this.scores[ordinal]!);
    }
    return heap.size < k ? -Infinity : heap.min;
  }

  /**
   * Cached contributions stay valid while the average field lengths stay within 0.5% of those they
   * were computed with: adding papers only computes the new postings, and a bulk change recomputes
   * lazily, term by term. Scores may thus differ from exact BM25F by well under 0.5% on a live index.
   */
  private avgGenerationFor(avg: number[]): number {
    const drifted = !this.avgUsed || avg.some((a, f) => Math.abs(a - this.avgUsed![f]!) > 0.005 * this.avgUsed![f]!);
    if (drifted) {
      this.avgUsed = [...avg];
      this.avgGeneration++;
    }
    return this.avgGeneration;
  }

  /** Computes every term's cached contributions now (after a bulk load), so no query pays for it. */
  warm(): void {
    for (const _ of this.warmSteps(Infinity)) break;
  }

  /** {@link warm} a slice at a time: pauses after every `termsPerStep` terms, so requests can run between slices. */
  *warmSteps(termsPerStep = 2048): Generator<void> {
    const avg = Array.from(this.lengthSums, (sum) => (this.live > 0 ? sum / this.live : 1) || 1);
    let done = 0;
    for (const list of this.postings.values()) {
      this.saturated(list, avg);
      if (++done % termsPerStep === 0) yield;
    }
  }

  private saturated(list: Postings, avg: number[]): Float32Array {
    const generation = this.avgGenerationFor(avg);
    if (list.sat && list.satGeneration === generation && list.satLength === list.length) return list.sat;
    const used = this.avgUsed!;
    const F = this.fields.length;
    let sat = list.sat;
    if (!sat || sat.length < list.length) {
      const grown = new Float32Array(list.docs.length);
      if (sat && list.satGeneration === generation) grown.set(sat.subarray(0, list.satLength));
      sat = grown;
    }
    const from = list.satGeneration === generation ? list.satLength : 0;
    let max = from === 0 ? 0 : list.maxSat;
    for (let i = from; i < list.length; i++) {
      const ordinal = list.docs[i]!;
      let tf = 0;
      for (let f = 0; f < F; f++) {
        const raw = list.tfs[i * F + f]!;
        if (raw === 0) continue;
        const field = this.fields[f]!;
        tf += (field.weight * raw) / (1 - field.b + (field.b * this.lengths[ordinal * F + f]!) / used[f]!);
      }
      sat[i] = tf / (this.k1 + tf);
      if (sat[i]! > max) max = sat[i]!;
    }
    list.maxSat = max;
    list.sat = sat;
    list.satLength = list.length;
    list.satGeneration = generation;
    return sat;
  }

  private grow(size: number): void {
    if (size <= this.ordinalDoc.length) return;
    const capacity = Math.max(size, this.ordinalDoc.length * 2);
    const docs = new Int32Array(capacity);
    docs.set(this.ordinalDoc);
    this.ordinalDoc = docs;
    const lengths = new Uint32Array(capacity * this.fields.length);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}
