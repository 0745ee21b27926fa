/** Why a paper is recommended: the reader's liked papers closest to it, by cosine. */

export interface RatedVector {
  id: string;
  vector: ArrayLike<number>;
}

export interface Because {
  /** The liked paper's id. */
  id: string;
  /** Cosine of the two papers' embeddings (the vectors are L2-normalised). */
  similarity: number;
}

/** The `k` liked papers closest to `vector`, closest first (ties: the id that sorts first). */
export function closestRated(vector: ArrayLike<number>, liked: readonly RatedVector[], k = 2): Because[] {
  const scored = liked.map(({ id, vector: other }) => {
    let sum = 0;
    for (let a = 0; a < vector.length; a++) sum += vector[a]! * other[a]!;
    return { id, similarity: sum };
  });
  return scored.sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, k);
}
