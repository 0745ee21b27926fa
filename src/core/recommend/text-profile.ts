import type { SparseRows, TfidfOptions } from './tfidf.ts';

/**
 * The text side of a reader's model: a linear scorer on tf-idf features, the liked papers' rows
 * summed minus the disliked ones' (Rocchio's profile). It carries what embeddings blur: the exact
 * terms a reader's papers share (a method's or a data set's name). Scoring a row costs its non-zero
 * entries only.
 */
export function textProfileScorer(rows: SparseRows, liked: readonly number[], disliked: readonly number[] = []): (row: number) => number {
  const w = new Float64Array(rows.cols);
  const addRow = (row: number, sign: number) => {
    for (let p = rows.offsets[row]!; p < rows.offsets[row + 1]!; p++) {
      const col = rows.indices[p]!;
      w[col] = w[col]! + sign * rows.values[p]!;
    }
  };
  for (const row of liked) addRow(row, 1 / liked.length);
  for (const row of disliked) addRow(row, -1 / disliked.length);
  return (row) => {
    let s = 0;
    for (let p = rows.offsets[row]!; p < rows.offsets[row + 1]!; p++) s += w[rows.indices[p]!]! * rows.values[p]!;
    return s;
  };
}

/**
 * The text side's tf-idf: arxiv-sanity-lite's analysis, but every term in two papers or more (no
 * cap on the vocabulary): the rare terms are the ones an author's papers share, the name of their
 * method or data set. On the tuning split this side alone beat the 10,000-term, five-paper-minimum
 * vocabulary by 14 % nDCG@10 (docs/recommendations.md).
 */
export const TEXT_SIDE_TFIDF: Readonly<TfidfOptions> = Object.freeze({ maxFeatures: Number.MAX_SAFE_INTEGER, minDf: 2, maxDf: 0.5 });

/** Scores standardised over the papers being ranked (mean 0, standard deviation 1), so two scorers' scales can be mixed. */
export function standardise(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i]! / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (scores[i]! - mean) ** 2 / n;
  const sd = Math.sqrt(variance) || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (scores[i]! - mean) / sd;
  return out;
}

/** Weight of the embedding side in the mixed score (the text side gets the rest); chosen on the tuning split (docs/recommendations.md). */
export const DEFAULT_EMBEDDING_WEIGHT = 0.5;

/** The reader's score of each paper: `weight` × the standardised embedding score + (1 − weight) × the standardised text score. */
export function mixScores(embedding: ArrayLike<number>, text: ArrayLike<number>, weight = DEFAULT_EMBEDDING_WEIGHT): Float64Array {
  const a = standardise(embedding);
  const b = standardise(text);
  return a.map((x, i) => weight * x + (1 - weight) * b[i]!);
}
