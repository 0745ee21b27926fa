import { eachTerm } from './analyzer.ts';
import { findPosting, Postings } from './postings.ts';
import { topK } from './top-k.ts';
import { postingInFields, saturation, ScoringScratch, searchSource, type ScoringQuery, type ScoringSource, type ScoringStats } from './segment/scorer.ts';

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

  constructor(options: LexicalIndexOptions) {
    if (options.fields.length === 0) throw new Error('LexicalIndex: at least one field is needed');
    this.fields = options.fields;
    this.k1 = options.k1 ?? 1.2;
    this.analyzeText = options.analyze ?? ((text, emit) => eachTerm(text, emit));
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
    let bytes = this.ordinalDoc.byteLength + this.lengths.byteLength + this.scratch.scores.byteLength + this.scratch.marks.byteLength + this.scratch.touched.byteLength;
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
    return postingInFields(this.fields, clause, list.tfs, at);
  }


  /**
   * Scores documents for the `should` clauses (BM25F, summed), keeps those matching every `must`
   * clause and none of the `mustNot` ones, and returns the best `limit` by score, ties by doc id.
   * A document must match at least one scored or required clause. `stats` (default: this index's
   * own) are the collection statistics to score with: global ones when this index is the delta of
   * a segmented index (core/search/segment/scorer.ts holds the algorithm).
   */
  search(input: ScoringQuery, options: { limit: number; filter?: ((docId: number) => boolean) | undefined; stats?: ScoringStats | undefined; floor?: number | undefined }): LexicalHit[] {
    return searchSource(this.source, input, options, options.stats ?? this.ownStats(), this.scratch);
  }

  /** This index's own statistics (live documents only). */
  ownStats(): ScoringStats {
    return { docs: this.live, avgLengths: this.averages(), docFreq: (term) => this.docFreq(term) };
  }

  /** Documents counted in statistics (LexicalPart): the live ones. */
  get statDocs(): number {
    return this.live;
  }

  /** Sum of each field's length over live documents (LexicalPart). */
  fieldLengthSums(): readonly number[] {
    return Array.from(this.lengthSums);
  }

  private averages(): number[] {
    return Array.from(this.lengthSums, (sum) => (this.live > 0 ? sum / this.live : 1) || 1);
  }

  /** The index seen by the shared scorer: ordinals are its slots. */
  private readonly source: ScoringSource<Postings> = ((index: LexicalIndex) => ({
    get fields() {
      return index.fields;
    },
    get k1() {
      return index.k1;
    },
    get slots() {
      return index.ordinals;
    },
    get slotDoc() {
      return index.ordinalDoc;
    },
    get lengths() {
      return index.lengths;
    },
    list: (term: string) => index.postings.get(term) ?? null,
    sat: (list: Postings, avg: readonly number[]) => index.saturated(list, avg),
    tfs: (list: Postings) => list.tfs,
  }))(this);
  private readonly scratch = new ScoringScratch();

  /**
   * Cached contributions stay valid while the average field lengths stay within 0.5% of those they
   * were computed with: adding papers only computes the new postings, and a bulk change recomputes
   * lazily, term by term. Scores may thus differ from exact BM25F by well under 0.5% on a live index.
   */
  private avgGenerationFor(avg: readonly number[]): number {
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
    const avg = this.averages();
    let done = 0;
    for (const list of this.postings.values()) {
      this.saturated(list, avg);
      if (++done % termsPerStep === 0) yield;
    }
  }

  private saturated(list: Postings, avg: readonly number[]): Float32Array {
    const generation = this.avgGenerationFor(avg);
    if (list.sat && list.satGeneration === generation && list.satLength === list.length) return list.sat;
    const used = this.avgUsed!;
    let sat = list.sat;
    if (!sat || sat.length < list.length) {
      const grown = new Float32Array(list.docs.length);
      if (sat && list.satGeneration === generation) grown.set(sat.subarray(0, list.satLength));
      sat = grown;
    }
    const from = list.satGeneration === generation ? list.satLength : 0;
    let max = from === 0 ? 0 : list.maxSat;
    for (let i = from; i < list.length; i++) {
      sat[i] = saturation(this.fields, this.k1, list.tfs, i, this.lengths, list.docs[i]!, used);
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
