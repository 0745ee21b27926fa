/**
 * Fusion of a lexical and a semantic ranking, after Bruch, Gai & Ingber, "An Analysis of Fusion
 * Functions for Hybrid Retrieval" (ACM TOIS 2023).
 *
 * Convex combination of normalised scores: each score is mapped to [0, 1] with a floor and the best
 * score among the candidates as the ceiling, then fused = alpha * semantic + (1 - alpha) * lexical.
 * A candidate missing from one side gets that side's floor (0 after normalisation). The lexical floor
 * is BM25's theoretical minimum, 0. The semantic floor is, by default, the lowest cosine among the
 * candidates (min-max, M2C2 in the paper's terms) rather than the theoretical -1 (TM2C2): sentence
 * models put unrelated texts at cosines well above 0 (bge-small: 0.4-0.6), so from -1 the semantic
 * side's spread among candidates is a sliver next to BM25's and the lexical side outweighs alpha.
 * Tuned on SciFact train (docs/quality.md): nDCG@10 0.7409 -> 0.7714 with bge-small-en-v1.5.
 *
 * Reciprocal rank fusion (Cormack et al. 2009): fused = sum over lists of 1 / (k + rank), k = 60,
 * ranks from 1; a list a candidate is absent from contributes nothing.
 *
 * Partial coverage: while papers are still being embedded, a candidate marked `embedded: false` has
 * no semantic score to be judged by, which is not the same as a bad one. Both fusions then let its
 * lexical side stand in for the missing semantic side (convex: the normalised lexical score; RRF: the
 * lexical rank's contribution), so such a paper ranks by words alone instead of sinking below every
 * embedded paper. The keyword top result therefore keeps the top fused score whether or not the
 * semantic side has seen it.
 */
export interface SideScore {
  score: number;
  /** 1-based rank in that side's list. */
  rank: number;
}

export interface FusionInput {
  docId: number;
  lexical: SideScore | null;
  semantic: SideScore | null;
  /** False when the document has no embedding yet (its semantic side is unknown, not poor). */
  embedded?: boolean;
}

export interface Fused extends FusionInput {
  fused: number;
}

export const LEXICAL_FLOOR = 0;
export const COSINE_FLOOR = -1;
export const RRF_K = 60;

/** Theoretical min-max normalisation: (s - floor) / (max - floor), 0 when max <= floor. */
export function normalise(score: number, floor: number, max: number): number {
  return max > floor ? (score - floor) / (max - floor) : 0;
}

export interface ConvexOptions {
  /** Floor of the cosine normalisation: 'candidates' (default) is the lowest cosine among the candidates; a number is fixed (COSINE_FLOOR for TM2C2). */
  semanticFloor?: number | 'candidates';
}

export function convexFusion(candidates: readonly FusionInput[], alpha: number, options: ConvexOptions = {}): Fused[] {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  let maxLexical = LEXICAL_FLOOR;
  let maxSemantic = COSINE_FLOOR;
  let minSemantic = Infinity;
  for (const c of candidates) {
    if (c.lexical && c.lexical.score > maxLexical) maxLexical = c.lexical.score;
    if (c.semantic && c.embedded !== false) {
      maxSemantic = Math.max(maxSemantic, c.semantic.score);
      minSemantic = Math.min(minSemantic, c.semantic.score);
    }
  }
  const floor = options.semanticFloor ?? 'candidates';
  // One embedded candidate (or all at one cosine) has no spread to normalise: the theoretical floor then.
  const semanticFloor = floor !== 'candidates' ? floor : minSemantic < maxSemantic ? minSemantic : COSINE_FLOOR;
  return candidates.map((c) => {
    const lexical = c.lexical ? normalise(c.lexical.score, LEXICAL_FLOOR, maxLexical) : 0;
    const semantic = c.embedded === false ? lexical : c.semantic ? Math.max(0, normalise(c.semantic.score, semanticFloor, maxSemantic)) : 0;
    return { ...c, fused: alpha * semantic + (1 - alpha) * lexical };
  });
}

export function rrfFusion(candidates: readonly FusionInput[], k = RRF_K): Fused[] {
  return candidates.map((c) => {
    const lexical = c.lexical ? 1 / (k + c.lexical.rank) : 0;
    return { ...c, fused: lexical + (c.embedded === false ? lexical : c.semantic ? 1 / (k + c.semantic.rank) : 0) };
  });
}
