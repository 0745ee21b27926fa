import type { SparseRows } from './tfidf.ts';
import { seededRandom, shuffled } from './seeded-random.ts';

/**
 * A linear SVM as arxiv-sanity-lite trains one per tag (scikit-learn's LinearSVC: squared hinge
 * loss, L2 penalty, class_weight 'balanced', C = 0.1, an intercept as a constant feature 1), solved
 * by dual coordinate descent (Hsieh et al. 2008, liblinear's L2R_L2LOSS_SVC_DUAL without shrinking).
 * No maintained JavaScript library trains a linear SVM on sparse rows (the npm SVMs are kernel SMO
 * solvers, quadratic in the number of papers), so it is written here, for the evaluation's baseline.
 */

export interface LinearSvmOptions {
  c: number;
  /** Stops when the projected gradients' range falls below this... */
  tolerance: number;
  /** ... or after this many passes over the rows. */
  maxEpochs: number;
  seed: number;
}

/** arxiv-sanity-lite's settings (C = 0.1); a looser tolerance than its 1e-6 with a cap on passes, which leaves the ranking unchanged in practice (docs/recommendations.md). */
export const ARXIV_SANITY_SVM: Readonly<LinearSvmOptions> = Object.freeze({ c: 0.1, tolerance: 1e-3, maxEpochs: 50, seed: 1 });

export interface SparseLinearModel {
  weights: Float64Array;
  bias: number;
  epochs: number;
}

/** Trains positives (`positive[row]` true) against every other row. */
export function trainLinearSvm(x: SparseRows, positive: (row: number) => boolean, options: LinearSvmOptions = ARXIV_SANITY_SVM): SparseLinearModel {
  const n = x.rows;
  const y = new Int8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    y[i] = positive(i) ? 1 : -1;
    if (y[i] === 1) positives++;
  }
  const negatives = n - positives;
  // class_weight='balanced': n / (2 · count of the class).
  const cPos = positives > 0 ? (options.c * n) / (2 * positives) : options.c;
  const cNeg = negatives > 0 ? (options.c * n) / (2 * negatives) : options.c;
  const w = new Float64Array(x.cols);
  let bias = 0;
  const alpha = new Float64Array(n);
  const diag = new Float64Array(n);
  const qd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diag[i] = 1 / (2 * (y[i] === 1 ? cPos : cNeg));
    let sq = 1; // the intercept's constant feature
    for (let p = x.offsets[i]!; p < x.offsets[i + 1]!; p++) sq += x.values[p]! * x.values[p]!;
    qd[i] = sq + diag[i]!;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(options.seed);
  let epoch = 0;
  while (epoch < options.maxEpochs) {
    epoch++;
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (const i of shuffled(order, rand)) {
      const start = x.offsets[i]!;
      const end = x.offsets[i + 1]!;
      let wx = bias;
      for (let p = start; p < end; p++) wx += w[x.indices[p]!]! * x.values[p]!;
      const yi = y[i]!;
      const g = yi * wx - 1 + diag[i]! * alpha[i]!;
      const pg = alpha[i] === 0 ? Math.min(g, 0) : g;
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i]!;
        const next = Math.max(old - g / qd[i]!, 0);
        alpha[i] = next;
        const d = (next - old) * yi;
        for (let p = start; p < end; p++) {
          const col = x.indices[p]!;
          w[col] = w[col]! + d * x.values[p]!;
        }
        bias += d;
      }
    }
    if (pgMax - pgMin <= options.tolerance) break;
  }
  return { weights: w, bias, epochs: epoch };
}

/** w·x + b of one row. */
export function sparseScore(model: SparseLinearModel, x: SparseRows, row: number): number {
  let s = model.bias;
  for (let p = x.offsets[row]!; p < x.offsets[row + 1]!; p++) s += model.weights[x.indices[p]!]! * x.values[p]!;
  return s;
}
