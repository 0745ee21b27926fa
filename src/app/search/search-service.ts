import { paperEmbeddingText, type Embedder } from '../../ports/embedder.ts';
import type { Logger } from '../../ports/logger.ts';
import type { PaperStore } from '../../ports/paper-store.ts';
import { SearchEngine, type SearchEngineOptions } from './search-engine.ts';

export interface SearchServiceDeps {
  store: PaperStore;
  embedder: Embedder | null;
  logger: Logger;
}

export interface SearchService {
  engine: SearchEngine;
  /** Loads what changed in the store since the last refresh (everything the first time). */
  refresh(): Promise<{ papers: number; vectors: number }>;
}

/** A search engine fed from the paper store, incrementally. */
export function createSearchService(deps: SearchServiceDeps, options: Omit<SearchEngineOptions, 'embedder' | 'logger'> = {}): SearchService {
  const engine = new SearchEngine({ ...options, embedder: deps.embedder, logger: deps.logger });
  let papersSeen: string | undefined;
  let vectorsSeen: string | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const refresh = async () => {
      let papers = 0;
      let vectors = 0;
      for await (const row of deps.store.scanIndexable(papersSeen)) {
        if (!papersSeen || row.lastChangedAt > papersSeen) papersSeen = row.lastChangedAt;
        if (row.deleted) engine.remove(row.seq);
        else {
          engine.upsert({
            docId: row.seq, id: row.id, title: row.title, abstract: row.abstract, authors: row.authors, categories: row.categories, date: row.date,
            signals: { hfUpvotes: row.hfUpvotes, githubStars: row.githubStars },
          });
        }
        papers++;
      }
      if (papers > 1000) engine.lexical.warm();
      if (deps.embedder) {
        for await (const { seq, vector, embeddedAt } of deps.store.scanEmbeddings(deps.embedder.modelId, vectorsSeen)) {
          if (!vectorsSeen || embeddedAt > vectorsSeen) vectorsSeen = embeddedAt;
          engine.setVector(seq, vector);
          vectors++;
        }
      }
      deps.logger.info('search.refresh', { papers, vectors, indexed: engine.size, embedded: engine.embedded });
      return { papers, vectors };
  };
  return {
    engine,
    // One refresh at a time: callers (start-up, the embed loop, the index loop) queue up.
    refresh() {
      const next = running.then(refresh, refresh);
      running = next.catch(() => undefined);
      return next;
    },
  };
}

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
