import type { SparseRows, TfidfOptions } from './tfidf.ts';

/**
 * The text side of a reader's model: a linear scorer on tf-idf features, trained like the
 * embedding side against the corpus. The ridge regression of the likes (target 1, together weight
 * 1) and the dislikes (target −1) against the papers at hand (target 0, together weight 1) has the
 * normal equations (E[x xᵀ] + δI) w ≈ mean(liked rows) − mean(disliked rows) when the few rated rows
 * are left out of the left-hand side; with hundreds of thousands of terms the second moment is taken
 * as its diagonal, so each term's weight is divided by δ + E[x_t²], its mean square over the papers:
 *
 *   w_t = (mean_likes x_t − mean_dislikes x_t) / (δ + E[x_t²]).
 *
 * A term every paper uses is discounted, a term few papers use and the likes share counts most (the
 * name of a method or a data set): a discriminative weighting where Rocchio's profile (δ → ∞, the
 * likes' mean) weighs terms by their frequency among the likes alone. The per-term discount is the
 * same for every reader ({@link termDiscount}, once per tf-idf fit); a rating adds or removes its row
 * in the profile, and scoring a row costs its non-zero entries only.
 */

/** δ, chosen on the tuning split (docs/recommendations.md). */
export const DEFAULT_TERM_SMOOTHING = 1e-4;

/** 1 / (δ + E[x_t²]) for every column of `rows` (the mean over the rows). */
export function termDiscount(rows: SparseRows, smoothing = DEFAULT_TERM_SMOOTHING): Float64Array {
  if (!(smoothing > 0)) throw new Error(`recommend: the text side's smoothing must be positive, got ${smoothing}`);
  const squares = new Float64Array(rows.cols);
  for (let p = 0; p < rows.offsets[rows.rows]!; p++) {
    const col = rows.indices[p]!;
    squares[col] = squares[col]! + rows.values[p]! * rows.values[p]!;
  }
  const n = rows.rows || 1;
  return squares.map((s) => 1 / (smoothing + s / n));
}

/**
 * The reader's text scorer over `rows`: the liked rows' mean minus the disliked rows' mean, each term
 * multiplied by `discount` ({@link termDiscount}; without it, Rocchio's plain profile).
 */
export function textProfileScorer(rows: SparseRows, liked: readonly number[], disliked: readonly number[] = [], discount?: ArrayLike<number>): (row: number) => number {
  const w = new Float64Array(rows.cols);
  const addRow = (row: number, sign: number) => {
    for (let p = rows.offsets[row]!; p < rows.offsets[row + 1]!; p++) {
      const col = rows.indices[p]!;
      w[col] = w[col]! + sign * rows.values[p]! * (discount ? discount[col]! : 1);
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
