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
export function createSearchService(deps: SearchServiceDeps, options: Omit<SearchEngineOptions, 'embedder' | 'logger'> & { sliceMs?: number } = {}): SearchService {
  const engine = new SearchEngine({ ...options, embedder: deps.embedder, logger: deps.logger });
  // Watermarks: the store is asked for rows changed at or after the last timestamp seen (rows written
  // in the same millisecond after a scan must not be missed); rows already applied at exactly that
  // timestamp are remembered and skipped, so an idle refresh touches nothing.
  const papersMark = watermark();
  const vectorsMark = watermark();
  let running: Promise<unknown> = Promise.resolve();
  // A refresh after a large import indexes tens of thousands of papers. The store's reads and the
  // indexing are synchronous, so without pauses one refresh would hold the event loop (and every
  // request) for its whole length; it gives way to other work every few milliseconds instead.
  const pause = pauser(options.sliceMs ?? 8);
  const refresh = async () => {
    let papers = 0;
    let vectors = 0;
    const paperPass = papersMark.scan();
    for await (const row of deps.store.scanIndexable(papersMark.at, (seq, at) => !paperPass.fresh(at, seq))) {
      await pause();
      if (row.deleted) engine.remove(row.seq);
      else {
        engine.upsert({
          docId: row.seq, id: row.id, title: row.title, abstract: row.abstract, authors: row.authors, categories: row.categories, date: row.date,
          signals: { hfUpvotes: row.hfUpvotes, githubStars: row.githubStars },
        });
      }
      papers++;
    }
    if (papers > 1000) {
      for (const _ of engine.memory!.lexical.warmSteps()) await pause();
    }
    if (deps.embedder) {
      const vectorPass = vectorsMark.scan();
      for await (const { seq, vector } of deps.store.scanEmbeddings(deps.embedder.modelId, vectorsMark.at, (seq, at) => !vectorPass.fresh(at, seq))) {
        engine.setVector(seq, vector);
        vectors++;
        await pause();
      }
    }
    if (vectors > 0) {
      for (const _ of engine.prepareSteps()) await pause(true);
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

/**
 * A function to await in a long synchronous-ish loop: it lets the event loop run (a macrotask turn,
 * not a microtask) once `sliceMs` have passed since the last pause, or at once when forced.
 */
function pauser(sliceMs: number): (force?: boolean) => Promise<void> {
  let since = performance.now();
  return async (force = false) => {
    if (!force && performance.now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/**
 * The latest change timestamp applied, and which rows at exactly that timestamp were applied.
 * `scan()` starts a pass: rows come in any timestamp order; only rows seen in an earlier pass at the
 * old mark are skipped.
 */
function watermark() {
  let at: string | undefined;
  let seqsAtMark = new Set<number>();
  return {
    get at() {
      return at;
    },
    scan() {
      const previous = at;
      const previousSeqs = seqsAtMark;
      return {
        /** True when the row (at `stamp`) was not applied in an earlier pass; moves the mark. */
        fresh(stamp: string, seq: number): boolean {
          if (stamp === previous && previousSeqs.has(seq)) return false;
          if (at === undefined || stamp > at) {
            at = stamp;
            seqsAtMark = stamp === previous ? new Set([...previousSeqs, seq]) : new Set([seq]);
          } else if (stamp === at) seqsAtMark.add(seq);
          return true;
        },
      };
    },
  };
}
