/** A sentence-embedding model. Vectors are L2-normalised, so a dot product is the cosine. */
export interface Embedder {
  /** Identifies model and variant; stored with every embedding so that a model change re-embeds. */
  readonly modelId: string;
  readonly dims: number;
  /** Cosine below which this model's best match for a query is noise, when the model declares one. */
  readonly minRelevance?: number;
  embedQuery(text: string): Promise<Float32Array>;
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
}

/** The text of a paper that gets embedded. */
export function paperEmbeddingText(paper: { title: string; abstract: string }): string {
  return paper.abstract ? `${paper.title}. ${paper.abstract}` : paper.title;
}
