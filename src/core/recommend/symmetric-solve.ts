/**
 * Dense symmetric positive-definite systems (row-major Float64Array, n × n), by Cholesky
 * factorisation: what the reader model needs to invert its background matrix once and to solve
 * the small system of a reader's ratings.
 */

/** The lower Cholesky factor L of `a` (a = L Lᵀ), in a new array; throws when `a` is not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      const li = i * n;
      const lj = j * n;
      for (let k = 0; k < j; k++) sum -= l[li + k]! * l[lj + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error(`recommend: matrix is not positive definite (pivot ${i} is ${sum}); increase the ridge`);
        l[li + i] = Math.sqrt(sum);
      } else {
        l[li + j] = sum / l[lj + j]!;
      }
    }
  }
  return l;
}

/** Solves L Lᵀ x = b for x, given the Cholesky factor L; b is not changed. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/** The inverse of a symmetric positive-definite matrix (n × n, row-major). */
export function symmetricInverse(a: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  // Invert L (lower triangular), then a⁻¹ = L⁻ᵀ L⁻¹.
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= l[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = sum / l[i * n + i]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < n; k++) sum += inv[k * n + i]! * inv[k * n + j]!;
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}
