import { cholesky, choleskySolve, symmetricInverse } from './symmetric-solve.ts';

/**
 * A reader's linear model over paper embeddings: regularised least squares (a ridge classifier)
 * with three kinds of examples, each a target for the score w·x + b:
 *
 * - the reader's likes (target 1; together they weigh `likeWeight`),
 * - the reader's dislikes and hides (target -1; together `dislikeWeight`),
 * - the corpus itself as weak negatives (target 0; weight 1 spread over a seeded sample of papers,
 *   what arxiv-sanity-lite's "all other papers" and Scholar Inbox's sampled negatives become here).
 *
 * minimise  Σ_likes c₊(w·x̃ - 1)² + Σ_dislikes c₋(w·x̃ + 1)² + (1/n) Σ_sample (w·x̃)² + λ|w̃|²,
 * x̃ = [x, 1] (the bias is the last weight).
 *
 * The corpus part, A₀ = S + λI with S the sample's second moment, is the same for every reader: it
 * is inverted once ({@link buildBackground}, M = A₀⁻¹). A reader adds k rated rows U, so by the
 * Woodbury identity the solution needs z_i = M x̃_i per rating (one matrix-vector product, added when
 * the rating arrives) and a k × k solve: w̃ = Σ β_i z_i with β = Cy - (C⁻¹ + U M Uᵀ)⁻¹ U M Uᵀ C y.
 * Retraining after a rating is therefore O(d²) + O(k³), well under a millisecond for a few dozen
 * ratings at 384 dimensions. Large λ gives back the centroid of the likes; small λ whitens by the
 * corpus's covariance, so directions every paper shares count less than those that set the
 * reader's papers apart (docs/recommendations.md).
 */

/** The corpus side of every reader's model, computed once per corpus (and embedding model). */
export interface Background {
  readonly dims: number;
  /** Papers in the sample the second moment was taken over. */
  readonly papers: number;
  readonly ridge: number;
  /** (S + λI)⁻¹ over augmented vectors [x, 1]: (dims + 1)², row-major. */
  readonly inverse: Float64Array;
}

export interface ReaderModelOptions {
  /** Total weight of the likes against the corpus's weight 1. */
  likeWeight: number;
  /** Total weight of the dislikes (hides, "not interested"). */
  dislikeWeight: number;
}

/** Defaults chosen on the tuning split of the evaluation (docs/recommendations.md). */
export const DEFAULT_RIDGE = 0.01;
export const DEFAULT_READER_MODEL_OPTIONS: Readonly<ReaderModelOptions> = Object.freeze({ likeWeight: 1, dislikeWeight: 1 });
/** How many papers the background sample holds by default. */
export const DEFAULT_BACKGROUND_SAMPLE = 2048;

/** The background from a sample of the corpus's vectors (all of the same length). */
export function buildBackground(sample: readonly Float32Array[], dims: number, ridge = DEFAULT_RIDGE): Background {
  if (!(ridge > 0)) throw new Error(`recommend: the ridge must be positive, got ${ridge}`);
  const m = dims + 1;
  const s = new Float64Array(m * m);
  const x = new Float64Array(m);
  for (const vector of sample) {
    if (vector.length !== dims) throw new Error(`recommend: a background vector has ${vector.length} dimensions, expected ${dims}`);
    for (let a = 0; a < dims; a++) x[a] = vector[a]!;
    x[dims] = 1;
    for (let a = 0; a < m; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      const row = a * m;
      for (let b = 0; b <= a; b++) s[row + b] = s[row + b]! + xa * x[b]!;
    }
  }
  const n = sample.length;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      const v = n > 0 ? s[a * m + b]! / n : 0;
      s[a * m + b] = v;
      s[b * m + a] = v;
    }
    s[a * m + a] = s[a * m + a]! + ridge;
  }
  return { dims, papers: n, ridge, inverse: symmetricInverse(s, m) };
}

export type RatingLabel = 'like' | 'dislike';

/** The trained weights: score(x) = w·x + bias. */
export interface LinearScorer {
  readonly weights: Float64Array;
  readonly bias: number;
  score(vector: ArrayLike<number>): number;
}

/**
 * A reader's model, trained incrementally: {@link add} one rating at a time (O(d²) each), then
 * {@link scorer} solves the small system of the ratings (cached until the next rating).
 */
export class ReaderModel {
  private readonly background: Background;
  private readonly options: ReaderModelOptions;
  /** z_i = M x̃_i for each rating, and its label. */
  private readonly z: Float64Array[] = [];
  private readonly x: Float64Array[] = [];
  private readonly labels: RatingLabel[] = [];
  /** K = U M Uᵀ, grown a row per rating. */
  private readonly gram: number[][] = [];
  private cached: LinearScorer | null = null;

  constructor(background: Background, options: Partial<ReaderModelOptions> = {}) {
    this.background = background;
    this.options = { ...DEFAULT_READER_MODEL_OPTIONS, ...options };
  }

  get ratings(): number {
    return this.labels.length;
  }

  /** Adds one rated paper's vector. */
  add(vector: ArrayLike<number>, label: RatingLabel): void {
    const { dims, inverse } = this.background;
    if (vector.length !== dims) throw new Error(`recommend: a rated vector has ${vector.length} dimensions, expected ${dims}`);
    const m = dims + 1;
    const xt = new Float64Array(m);
    for (let a = 0; a < dims; a++) xt[a] = vector[a]!;
    xt[dims] = 1;
    const z = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let sum = 0;
      const row = a * m;
      for (let b = 0; b < m; b++) sum += inverse[row + b]! * xt[b]!;
      z[a] = sum;
    }
    const row: number[] = [];
    for (let j = 0; j < this.x.length; j++) {
      const k = dot(this.x[j]!, z);
      row.push(k);
      this.gram[j]!.push(k);
    }
    row.push(dot(xt, z));
    this.gram.push(row);
    this.x.push(xt);
    this.z.push(z);
    this.labels.push(label);
    this.cached = null;
  }

  /** The model for the ratings so far (with none, every paper scores 0). */
  scorer(): LinearScorer {
    if (this.cached) return this.cached;
    const { dims } = this.background;
    const k = this.labels.length;
    const likes = this.labels.filter((l) => l === 'like').length;
    const dislikes = k - likes;
    const c = this.labels.map((l) => (l === 'like' ? this.options.likeWeight / likes : this.options.dislikeWeight / dislikes));
    const cy = this.labels.map((l, i) => (l === 'like' ? c[i]! : -c[i]!));
    // t = K C y; s = (C⁻¹ + K)⁻¹ t; β = C y - s.
    const system = new Float64Array(k * k);
    const t = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const kij = this.gram[i]![j]!;
        system[i * k + j] = kij;
        sum += kij * cy[j]!;
      }
      system[i * k + i] = system[i * k + i]! + 1 / c[i]!;
      t[i] = sum;
    }
    const s = k > 0 ? choleskySolve(cholesky(system, k), k, t) : new Float64Array(0);
    const wt = new Float64Array(dims + 1);
    for (let i = 0; i < k; i++) {
      const beta = cy[i]! - s[i]!;
      const z = this.z[i]!;
      for (let a = 0; a <= dims; a++) wt[a] = wt[a]! + beta * z[a]!;
    }
    const weights = wt.subarray(0, dims);
    const bias = wt[dims]!;
    this.cached = {
      weights,
      bias,
      score: (vector) => {
        let sum = bias;
        for (let a = 0; a < dims; a++) sum += weights[a]! * vector[a]!;
        return sum;
      },
    };
    return this.cached;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
