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

function counts(text: string): Map<string, number> {
  const c = new Map<string, number>();
  for (const term of tfidfTerms(text)) c.set(term, (c.get(term) ?? 0) + 1);
  return c;
}

/** Fits the vocabulary on `texts` and returns their tf-idf rows. */
export function tfidfMatrix(texts: readonly string[], options: TfidfOptions = ARXIV_SANITY_TFIDF): { rows: SparseRows; vocabulary: string[] } {
  const n = texts.length;
  const df = new Map<string, number>();
  const tf = new Map<string, number>();
  for (const text of texts) {
    for (const [term, count] of counts(text)) {
      df.set(term, (df.get(term) ?? 0) + 1);
      tf.set(term, (tf.get(term) ?? 0) + count);
    }
  }
  const maxDocs = options.maxDf * n;
  const kept = [...df.entries()].filter(([, d]) => d >= options.minDf && d <= maxDocs).map(([term]) => term);
  kept.sort((a, b) => tf.get(b)! - tf.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  const vocabulary = kept.slice(0, options.maxFeatures).sort();
  const column = new Map(vocabulary.map((term, i) => [term, i]));
  const idf = vocabulary.map((term) => Math.log((1 + n) / (1 + df.get(term)!)) + 1);
  df.clear();
  tf.clear();

  const offsets = new Uint32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  texts.forEach((text, row) => {
    const entries: [number, number][] = [];
    for (const [term, count] of counts(text)) {
      const col = column.get(term);
      if (col !== undefined) entries.push([col, (1 + Math.log(count)) * idf[col]!]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
    for (const [col, v] of entries) {
      indices.push(col);
      values.push(v / norm);
    }
    offsets[row + 1] = indices.length;
  });
  return { rows: { rows: n, cols: vocabulary.length, offsets, indices: Uint32Array.from(indices), values: Float32Array.from(values) }, vocabulary };
}
