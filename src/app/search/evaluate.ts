import { createHash } from 'node:crypto';
import { evaluateRun, type QueryMetrics } from '../../core/search/metrics.ts';
import type { Embedder } from '../../ports/embedder.ts';
import type { VectorCache } from '../../ports/vector-cache.ts';
import { SearchEngine, type FusionMethod, type SearchMode } from './search-engine.ts';

export interface EvalDataset {
  corpus: readonly { id: string; title: string; text: string }[];
  queries: readonly { id: string; text: string }[];
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface EvalVariant {
  mode: SearchMode;
  fusion?: FusionMethod;
  alpha?: number;
}

export interface EvalRow extends EvalVariant {
  metrics: QueryMetrics;
  queries: number;
  msPerQuery: number;
}

export interface EvalDeps {
  embedder: Embedder | null;
  cache?: VectorCache;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * Builds a throw-away search engine over a BEIR-style corpus, runs every query (plain text, no
 * syntax, top 100) in each variant and scores the runs as trec_eval does.
 */
export async function evaluateSearch(deps: EvalDeps, dataset: EvalDataset, variants: readonly EvalVariant[]): Promise<EvalRow[]> {
  const engine = new SearchEngine({ embedder: deps.embedder, candidates: 200 });
  dataset.corpus.forEach((doc, docId) => {
    engine.upsert({ docId, id: doc.id, title: doc.title, abstract: doc.text, authors: [], categories: [], date: null });
    if (docId % 1000 === 0) deps.onProgress?.('index', docId, dataset.corpus.length);
  });
  if (deps.embedder && variants.some((v) => v.mode !== 'lexical')) {
    const texts = dataset.corpus.map((d) => (d.text ? `${d.title}. ${d.text}` : d.title));
    const key = createHash('sha256').update(deps.embedder.modelId).update('\u0000').update(texts.join('\u0000')).digest('hex').slice(0, 32);
    let vectors = (await deps.cache?.load(key, texts.length, deps.embedder.dims)) ?? null;
    if (!vectors) {
      vectors = [];
      const batch = 64;
      for (let i = 0; i < texts.length; i += batch) {
        vectors.push(...(await deps.embedder.embedDocuments(texts.slice(i, i + batch))));
        deps.onProgress?.('embed', Math.min(i + batch, texts.length), texts.length);
      }
      await deps.cache?.save(key, vectors);
    }
    vectors.forEach((v, docId) => engine.setVector(docId, v));
  }
  const rows: EvalRow[] = [];
  for (const variant of variants) {
    const run = new Map<string, { docId: string; score: number }[]>();
    const started = performance.now();
    for (const query of dataset.queries) {
      const response = await engine.search({ query: query.text, syntax: false, snippets: false, limit: 100, mode: variant.mode, ...(variant.fusion ? { fusion: variant.fusion } : {}), ...(variant.alpha !== undefined ? { alpha: variant.alpha } : {}) });
      run.set(query.id, response.hits.map((h) => ({ docId: h.id, score: h.score })));
    }
    const msPerQuery = (performance.now() - started) / Math.max(1, dataset.queries.length);
    const result = evaluateRun(run, dataset.qrels);
    rows.push({ ...variant, alpha: variant.mode === 'hybrid' && (variant.fusion ?? 'convex') === 'convex' ? (variant.alpha ?? engine.alpha) : undefined, metrics: result.mean, queries: result.queries, msPerQuery } as EvalRow);
  }
  return rows;
}
