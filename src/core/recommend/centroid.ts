/** The simplest personal ranking, and the evaluation's baseline: cosine with the mean of the liked vectors. */
export function centroidScorer(liked: readonly ArrayLike<number>[], dims: number): (vector: ArrayLike<number>) => number {
  const c = new Float64Array(dims);
  for (const v of liked) for (let a = 0; a < dims; a++) c[a] = c[a]! + v[a]!;
  let norm = 0;
  for (let a = 0; a < dims; a++) norm += c[a]! * c[a]!;
  norm = Math.sqrt(norm) || 1;
  for (let a = 0; a < dims; a++) c[a] = c[a]! / norm;
  return (vector) => {
    let sum = 0;
    for (let a = 0; a < dims; a++) sum += c[a]! * vector[a]!;
    return sum;
  };
}
