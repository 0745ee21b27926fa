import { paperEmbeddingText, type Embedder } from '../../ports/embedder.ts';
import type { PaperStore } from '../../ports/paper-store.ts';

export interface EmbedProgress {
  done: number;
  total: number;
}

/**
 * Computes the embeddings that are missing or stale for the embedder's model (text changed, or
 * another model), in batches, each batch saved before the next: a killed run loses one batch.
 */
export async function embedPapers(
  deps: { store: PaperStore; embedder: Embedder },
  options: { batchSize?: number; limit?: number; onProgress?: (p: EmbedProgress) => void } = {},
): Promise<{ embedded: number; remaining: number }> {
  const batchSize = options.batchSize ?? 32;
  const { jobs, remaining } = await deps.store.embeddingsNeeded(deps.embedder.modelId, paperEmbeddingText, options.limit);
  let done = 0;
  options.onProgress?.({ done, total: jobs.length });
  for (let i = 0; i < jobs.length; i += batchSize) {
    const batch = jobs.slice(i, i + batchSize);
    const vectors = await deps.embedder.embedDocuments(batch.map((j) => j.text));
    await deps.store.saveEmbeddings(deps.embedder.modelId, batch.map((j, k) => ({ seq: j.seq, textHash: j.textHash, vector: vectors[k]! })));
    done += batch.length;
    options.onProgress?.({ done, total: jobs.length });
  }
  return { embedded: done, remaining: remaining - done };
}
