/** Keeps embeddings of a fixed list of texts between runs (evaluation corpora). */
export interface VectorCache {
  load(key: string, count: number, dims: number): Promise<Float32Array[] | null>;
  save(key: string, vectors: readonly Float32Array[]): Promise<void>;
}
