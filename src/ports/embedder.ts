/** A sentence-embedding model. Vectors are L2-normalised, so a dot product is the cosine. */
export interface Embedder {
  /** Identifies model and variant; stored with every embedding so that a model change re-embeds. */
  readonly modelId: string;
  readonly dims: number;
  /** Cosine below which this model's best match for a query is noise, when the model declares one. */
  readonly minRelevance?: number;
  /** How this model's cosines fuse with BM25 best (convex α, cosine floor), when the model declares it. */
  readonly fusion?: ModelFusion;
  embedQuery(text: string): Promise<Float32Array>;
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Convex-fusion settings tuned per model (docs/quality.md): α on the semantic side, and the cosine normalisation floor ('candidates': the lowest among the candidates). */
export interface ModelFusion {
  alpha: number;
  cosineFloor: number | 'candidates';
}

/** The text of a paper that gets embedded. */
export function paperEmbeddingText(paper: { title: string; abstract: string }): string {
  return paper.abstract ? `${paper.title}. ${paper.abstract}` : paper.title;
}
