import { eng } from 'stopword';

/**
 * tf-idf vectors as arxiv-sanity-lite computes them (scikit-learn's TfidfVectorizer with its
 * settings in compute.py): accents stripped, lower case, tokens of 2+ word characters starting
 * with a letter or underscore, English stop words removed, unigrams and bigrams, terms in at least
 * `minDf` papers and at most `maxDf` of them, the `maxFeatures` most frequent terms kept,
 * sublinear tf (1 + ln tf), smoothed idf (ln((1 + n) / (1 + df)) + 1), rows L2-normalised. The stop
 * word list is the `stopword` package's English one (the search analyser's), not scikit-learn's.
 * Sparse rows only: the evaluation's baseline, never the served model.
 */

export interface TfidfOptions {
  maxFeatures: number;
  minDf: number;
  /** Fraction of the papers. */
  maxDf: number;
}

/** arxiv-sanity-lite's compute.py defaults. */
export const ARXIV_SANITY_TFIDF: Readonly<TfidfOptions> = Object.freeze({ maxFeatures: 10_000, minDf: 5, maxDf: 0.5 });

/** Rows of a sparse matrix (compressed sparse rows); column indices ascending within a row. */
export interface SparseRows {
  readonly rows: number;
  readonly cols: number;
  readonly offsets: Uint32Array;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

const STOP = new Set(eng);
const TOKEN = /\b[a-z_][a-z0-9_]+\b/g;

/** The unigrams and bigrams of a text, in order. */
export function tfidfTerms(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = (folded.match(TOKEN) ?? []).filter((w) => !STOP.has(w));
  const terms = [...words];
  for (let i = 0; i + 1 < words.length; i++) terms.push(`${words[i]} ${words[i + 1]}`);
  return terms;
}

/** A text's terms as ids of a {@link TermCountCache}'s dictionary, each once, with its count. */
interface TermCounts {
  ids: Int32Array;
  counts: Uint32Array;
}

/**
 * Texts split into terms, kept for the texts seen last (least recently used out first), so that
 * ranking the same papers for many readers (a digest run: one day's papers for every subscriber)
 * splits each text once instead of once per reader. Terms are interned as integer ids, so that a
 * fit counts documents in typed arrays instead of maps keyed by strings. A text is its own key: a
 * changed paper is a new entry.
 *
 * Memory: the entries (at most `capacity` texts, or the texts of the largest fit, which are never
 * evicted during it) and the dictionary of their terms. Evicted texts leave their terms behind, so
 * when the dictionary holds more than four times the terms the entries use, it is rebuilt from the
 * entries (between fits, never during one). At 2,048 abstracts: about 0.6 M distinct terms
 * (unigrams and bigrams), some tens of MB.
 */
export class TermCountCache {
  private dictionary = new Map<string, number>();
  private terms: string[] = [];
  private readonly entries = new Map<string, TermCounts>();
  /** Scratch per term id, reused by every fit: document counts, then columns (-1: not a column). */
  private df = new Int32Array(0);
  private column = new Int32Array(0);
  /** Dictionary size when the live terms were last counted (trim). */
  private countedAt = 0;

  /** `compactAbove`: dictionary sizes below it are never rebuilt (a small dictionary is not worth a pass). */
  constructor(private readonly capacity: number, private readonly options: { compactAbove?: number } = {}) {}

  get size(): number {
    return this.entries.size;
  }

  /** The text's term counts (its cached entry, or a new one; no eviction until {@link trim}). */
  private of(text: string): TermCounts {
    const hit = this.entries.get(text);
    if (hit) {
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    const counted = new Map<number, number>();
    for (const term of tfidfTerms(text)) {
      let id = this.dictionary.get(term);
      if (id === undefined) {
        id = this.terms.length;
        this.dictionary.set(term, id);
        this.terms.push(term);
      }
      counted.set(id, (counted.get(id) ?? 0) + 1);
    }
    const fresh = { ids: Int32Array.from(counted.keys()), counts: Uint32Array.from(counted.values()) };
    this.entries.set(text, fresh);
    return fresh;
  }

  /** Evicts the least recently used texts beyond `keep`; rebuilds the dictionary when most of its terms belong to no entry. */
  private trim(keep: number): void {
    for (const text of this.entries.keys()) {
      if (this.entries.size <= keep) break;
      this.entries.delete(text);
    }
    // Counting the live terms reads every entry: only when the dictionary has doubled since the
    // last count, so that the check costs O(1) a fit on average.
    if (!Number.isFinite(this.capacity) || this.terms.length < Math.max(this.options.compactAbove ?? 65_536, 2 * this.countedAt)) return;
    const live = new Set<number>();
    for (const { ids } of this.entries.values()) for (const id of ids) live.add(id);
    this.countedAt = this.terms.length;
    if (this.terms.length <= 4 * live.size) return;
    const renumber = new Int32Array(this.terms.length).fill(-1);
    const terms: string[] = [];
    const dictionary = new Map<string, number>();
    for (const id of live) {
      renumber[id] = terms.length;
      dictionary.set(this.terms[id]!, terms.length);
      terms.push(this.terms[id]!);
    }
    for (const entry of this.entries.values()) entry.ids = entry.ids.map((id) => renumber[id]!);
    this.terms = terms;
    this.dictionary = dictionary;
    this.countedAt = terms.length;
    this.df = new Int32Array(0);
    this.column = new Int32Array(0);
  }

  /** Fits the vocabulary on `texts` and returns their tf-idf rows (see {@link tfidfMatrix}). */
  fit(texts: readonly string[], options: TfidfOptions): { rows: SparseRows; vocabulary: string[] } {
    const perText = texts.map((text) => this.of(text));
    const n = texts.length;
    if (this.df.length < this.terms.length) {
      this.df = new Int32Array(this.terms.length * 2);
      this.column = new Int32Array(this.terms.length * 2).fill(-1);
    }
    const { df, column, terms } = this;
    const touched: number[] = [];
    for (const c of perText) {
      for (const id of c.ids) {
        const d = df[id]!;
        if (d === 0) touched.push(id);
        df[id] = d + 1;
      }
    }
    const maxDocs = options.maxDf * n;
    let kept: number[] = [];
    for (const id of touched) if (df[id]! >= options.minDf && df[id]! <= maxDocs) kept.push(id);
    if (kept.length > options.maxFeatures) {
      // The most frequent terms over all texts (ties by term), as scikit-learn's max_features.
      const tf = new Map<number, number>();
      for (const c of perText) c.ids.forEach((id, j) => tf.set(id, (tf.get(id) ?? 0) + c.counts[j]!));
      kept.sort((a, b) => tf.get(b)! - tf.get(a)! || (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0));
      kept = kept.slice(0, options.maxFeatures);
    }
    const vocabulary = kept.map((id) => terms[id]!).sort();
    const idf = new Float64Array(vocabulary.length);
    vocabulary.forEach((term, col) => {
      const id = this.dictionary.get(term)!;
      column[id] = col;
      idf[col] = Math.log((1 + n) / (1 + df[id]!)) + 1;
    });

    const offsets = new Uint32Array(n + 1);
    const indices: number[] = [];
    const values: number[] = [];
    // A row's values by column in a dense scratch row, its columns sorted as numbers.
    const scratch = new Float64Array(vocabulary.length);
    let colsBuffer = new Int32Array(256);
    for (let row = 0; row < n; row++) {
      const { ids, counts } = perText[row]!;
      if (colsBuffer.length < ids.length) colsBuffer = new Int32Array(ids.length);
      let k = 0;
      for (let j = 0; j < ids.length; j++) {
        const col = column[ids[j]!]!;
        if (col < 0) continue;
        scratch[col] = (1 + Math.log(counts[j]!)) * idf[col]!;
        colsBuffer[k++] = col;
      }
      const cols = colsBuffer.subarray(0, k).sort(); // a typed array sorts as numbers
      let squares = 0;
      for (const col of cols) squares += scratch[col]! * scratch[col]!;
      const norm = Math.sqrt(squares) || 1;
      for (const col of cols) {
        indices.push(col);
        values.push(scratch[col]! / norm);
      }
      offsets[row + 1] = indices.length;
    }
    for (const id of touched) {
      df[id] = 0;
      column[id] = -1;
    }
    this.trim(Math.max(this.capacity, n));
    return { rows: { rows: n, cols: vocabulary.length, offsets, indices: Uint32Array.from(indices), values: Float32Array.from(values) }, vocabulary };
  }
}

/**
 * Fits the vocabulary on `texts` and returns their tf-idf rows; with `cache`, texts it has split
 * before are not split again (the same rows either way).
 */
export function tfidfMatrix(texts: readonly string[], options: TfidfOptions = ARXIV_SANITY_TFIDF, cache?: TermCountCache): { rows: SparseRows; vocabulary: string[] } {
  return (cache ?? new TermCountCache(Number.POSITIVE_INFINITY)).fit(texts, options);
}
