import { analyze } from '../../core/search/analyzer.ts';
import { parseQuery, plainQuery } from '../../core/search/query.ts';
import type { Embedder } from '../../ports/embedder.ts';
import type { Logger } from '../../ports/logger.ts';
import type { TextSource } from '../../ports/text-source.ts';
import { countMonths } from './days.ts';
import type { DocSignals, DocTable } from './doc-table.ts';
import type { LexicalSide } from './lexical-side.ts';
import { DEFAULT_FIELDS, MemoryIndex } from './memory-index.ts';
import { buildClauses, type Clauses } from './query-clauses.ts';
import { QueryVectorCache } from './query-vector-cache.ts';
import { byTrending, orderResults, trendingKeyOf } from './ranking.ts';
import { both, checkPhrases, termConstraints, filterFor, type SeqFilter } from './search-filters.ts';
import { buildHits, type Scored } from './search-hits.ts';
import { rankCandidates } from './search-hybrid.ts';
import { NOTHING_CLOSE, NO_MODEL, SEMANTIC_FAILED, coverageNotice } from './search-notices.ts';
import { DEFAULT_MIN_RELEVANCE, type IndexedDoc, type SearchMode, type FusionMethod, type SearchRequest, type Explanation, type SearchHit, type SearchResponse, type SearchEngineOptions } from './search-types.ts';
import type { VectorSide } from './vector-side.ts';

export type { IndexedDoc, SearchMode, FusionMethod, SearchRequest, Explanation, SearchHit, SearchResponse, SearchEngineOptions };
export { DEFAULT_FIELDS };
export const DEFAULT_ALPHA = 0.75;

/**
 * What one search reads, fixed for its whole length: a refresh or a switch to a new generation
 * builds a new view, and searches in flight keep theirs.
 */
export interface IndexView {
  docs: DocTable;
  lexical: LexicalSide;
  vectors: VectorSide | null;
  /** Records a paper's local vote count until the index next reads it from the store. */
  setLocalVotes(seq: number, votes: number): void;
  /** Keeps the view's files open until the returned release is called (a search in flight). */
  hold?(): () => void;
}

/**
 * The search engine: BM25F over title, abstract and authors, exact cosine over paper embeddings,
 * fused by convex combination (min-max normalisation, the cosine floor set per model) or RRF
 * (the recipe: search-hybrid.ts). Knows nothing of storage: it reads an {@link IndexView} (the
 * index service's on-disk generation plus its delta, or an in-memory index) and a {@link TextSource}.
 * Without `index`, it holds a {@link MemoryIndex} fed through upsert/remove/setVector (tests,
 * `paperboy eval`).
 */
export class SearchEngine {
  readonly embedder: Embedder | null;
  readonly alpha: number;
  /** The in-memory index, when the engine owns one. */
  readonly memory: MemoryIndex | null;
  private readonly currentView: () => IndexView;
  private readonly texts: TextSource;
  private readonly candidates: number;
  private readonly logger: Logger | undefined;
  private warnedNoModel = false;
  private readonly minRelevance: number;
  private readonly cosineFloor: number | 'candidates';
  private readonly now: () => number;
  /** Vectors of recent query texts (a hybrid query's largest cost is embedding its text). */
  readonly queryVectors: QueryVectorCache;

  constructor(options: SearchEngineOptions & { index?: () => IndexView; texts?: TextSource } = {}) {
    this.embedder = options.embedder ?? null;
    if (options.index && options.texts) {
      this.memory = null;
      this.currentView = options.index;
      this.texts = options.texts;
    } else {
      const memory = new MemoryIndex({
        ...(options.fields ? { fields: options.fields } : {}), ...(options.k1 !== undefined ? { k1: options.k1 } : {}),
        ...(this.embedder ? { dims: this.embedder.dims } : {}), ...(options.ann ? { ann: options.ann } : {}),
        ...(options.exactThreshold !== undefined ? { exactThreshold: options.exactThreshold } : {}), ...(options.annCandidates !== undefined ? { annCandidates: options.annCandidates } : {}),
      });
      const view: IndexView = {
        docs: memory.docs, lexical: memory.side(), vectors: memory.vectorSide(),
        setLocalVotes: (seq, votes) => memory.docs.setSignals(seq, { ...memory.docs.signals(seq), localVotes: votes }),
      };
      this.memory = memory;
      this.currentView = () => view;
      this.texts = memory.texts!;
    }
    // The model's own fusion settings (model catalog) unless the caller sets α.
    this.alpha = options.alpha ?? this.embedder?.fusion?.alpha ?? DEFAULT_ALPHA;
    this.cosineFloor = this.embedder?.fusion?.cosineFloor ?? 'candidates';
    this.candidates = options.candidates ?? 200;
    this.logger = options.logger;
    this.minRelevance = options.minRelevance ?? this.embedder?.minRelevance ?? DEFAULT_MIN_RELEVANCE;
    this.now = options.now ?? Date.now;
    this.queryVectors = new QueryVectorCache(options.queryCache ?? 1000);
  }

  /** The index as it is now (keep it for the length of one operation). */
  view(): IndexView {
    return this.currentView();
  }

  /** Texts of papers by seq, for the papers a page shows. */
  readTexts(seqs: readonly number[]) {
    return this.texts.read(seqs);
  }

  get size(): number {
    return this.view().docs.size;
  }

  get embedded(): number {
    return this.view().vectors?.size ?? 0;
  }

  docIdOf(id: string): number | undefined {
    return this.view().docs.seqOf(id);
  }

  signals(seq: number): DocSignals {
    return this.view().docs.signals(seq);
  }

  /** Records a paper's vote count (the lists' trending order reads it). */
  setLocalVotes(id: string, votes: number): void {
    const view = this.view();
    const seq = view.docs.seqOf(id);
    if (seq !== undefined) view.setLocalVotes(seq, votes);
  }

  // In-memory index upkeep (engines without an `index` option).

  upsert(doc: IndexedDoc): void {
    this.ownIndex().upsert(doc);
  }

  remove(docId: number): void {
    this.ownIndex().remove(docId);
  }

  setVector(docId: number, vector: Float32Array): void {
    this.ownIndex().setVector(docId, vector);
  }

  /** Builds pending vector-index work now (after a refresh) rather than in the next query. */
  prepare(): void {
    this.ownIndex().vectors?.prepare();
  }

  /** {@link prepare} a slice at a time, so that a caller can serve between slices. */
  *prepareSteps(perStep?: number): Generator<void> {
    const vectors = this.ownIndex().vectors;
    if (vectors) yield* vectors.prepareSteps(perStep);
  }

  private ownIndex(): MemoryIndex {
    if (!this.memory) throw new Error('SearchEngine: this engine reads an index service; papers are added to the store, not to the engine');
    return this.memory;
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const view = this.view();
    const release = view.hold?.();
    try {
      return await this.searchIn(view, request);
    } finally {
      release?.();
    }
  }

  private async searchIn(view: IndexView, request: SearchRequest): Promise<SearchResponse> {
    const parsed = request.syntax === false ? plainQuery(request.query) : parseQuery(request.query);
    const limit = Math.max(0, request.limit ?? 10);
    const offset = Math.max(0, request.offset ?? 0);
    const notices: string[] = [];
    if (parsed.paperId) return this.idLookup(view, request, parsed.paperId);

    let mode: SearchMode = request.mode ?? 'hybrid';
    const semanticReady = this.embedder !== null && view.vectors !== null && view.vectors.size > 0;
    if (mode !== 'lexical' && !semanticReady) {
      notices.push(this.embedder ? 'semantic search is unavailable until papers are embedded (run `paperboy embed`); results are lexical only' : NO_MODEL);
      if (!this.warnedNoModel) {
        this.logger?.warn('search.semantic_unavailable', { reason: notices[0] });
        this.warnedNoModel = true;
      }
      mode = 'lexical';
    }
    if (mode === 'semantic' && parsed.text.trim() === '') mode = 'lexical';
    const filter = filterFor(request, parsed, view.docs, view.lexical);
    const clauses = buildClauses(parsed);
    if (!clauses.should.length && !clauses.must.length && !clauses.phrases.length && parsed.text.trim() === '') {
      return this.filterOnly(view, request, filter, clauses, limit, offset);
    }
    // The query's vector first: it is the one wait before the index is read. A failing model costs
    // the semantic side only: the answer is by words, with a notice, never an error.
    let queryVector: Float32Array | null = null;
    if (mode !== 'lexical') {
      const embedder = this.embedder!;
      try {
        queryVector = await this.queryVectors.get(parsed.text, (text) => embedder.embedQuery(text));
      } catch (error) {
        this.logger?.error('search.embed_failed', { message: (error as Error).message });
        notices.push(SEMANTIC_FAILED);
        mode = 'lexical';
      }
    }
    if (mode !== 'lexical') {
      const notice = coverageNotice(view.vectors!.size, view.docs.size, mode);
      if (notice) notices.push(notice);
    }

    const fusion: FusionMethod | null = mode === 'hybrid' ? (request.fusion ?? 'convex') : null;
    const ranked = await rankCandidates(
      { mode, fusion, clauses, queryVector, filter, pool: Math.max(this.candidates, offset + limit), alpha: request.alpha ?? this.alpha, cosineFloor: this.cosineFloor, minRelevance: this.minRelevance },
      { lexical: view.lexical, vectors: view.vectors, texts: this.texts },
    );
    if (!ranked) return { query: request.query, mode, fusion: null, hits: [], total: 0, months: [], notices: [...notices, NOTHING_CLOSE] };
    const ordered = orderResults(ranked, request.sort, view.docs, request.now ?? this.now());
    const queryTerms = [...new Set(clauses.should.map((c) => c.term))];
    const hits = await buildHits(ordered.slice(offset, offset + limit), { docs: view.docs, lexical: view.lexical, texts: this.texts }, queryTerms, request.snippets !== false);
    return { query: request.query, mode, fusion, hits, total: ordered.length, months: countMonths(ordered, (seq) => view.docs.day(seq)), notices };
  }

  /** Papers nearest to one paper by embedding (lexical fallback), never the paper itself. */
  async similar(id: string, limit = 10): Promise<{ mode: 'semantic' | 'lexical'; hits: SearchHit[] }> {
    const view = this.view();
    const seq = view.docs.seqOf(id);
    if (seq === undefined) return { mode: 'lexical', hits: [] };
    const from = { docs: view.docs, lexical: view.lexical, texts: this.texts };
    const vector = view.vectors?.vector(seq);
    if (vector) {
      const found = view.vectors!.nearest(vector, limit, (other) => other !== seq);
      return { mode: 'semantic', hits: await buildHits(found.map((h, i) => ({ ...h, input: { docId: h.docId, lexical: null, semantic: { score: h.score, rank: i + 1 } } })), from, []) };
    }
    const text = (await this.texts.read([seq])).get(seq);
    if (!text) return { mode: 'lexical', hits: [] };
    const should = [...new Set(analyze(`${text.title} ${text.abstract.split(/\s+/).slice(0, 60).join(' ')}`).map((t) => t.term))].map((term) => ({ term }));
    const found = view.lexical.search({ should }, { limit, filter: (other) => other !== seq });
    return {
      mode: 'lexical',
      hits: await buildHits(found.map((h, i) => ({ ...h, input: { docId: h.docId, lexical: { score: h.score, rank: i + 1 }, semantic: null } })), from, should.map((c) => c.term)),
    };
  }

  private async idLookup(view: IndexView, request: SearchRequest, paperId: string): Promise<SearchResponse> {
    const seq = view.docs.seqOf(paperId);
    const found: Scored[] = seq === undefined ? [] : [{ docId: seq, score: 1, input: { docId: seq, lexical: null, semantic: null } }];
    const hits = await buildHits(found, { docs: view.docs, lexical: view.lexical, texts: this.texts }, []);
    return { query: request.query, mode: 'id', fusion: null, hits, total: hits.length, months: countMonths(hits, (s) => view.docs.day(s)), notices: hits.length ? [] : [`no paper ${paperId} in this index`] };
  }

  /** No words to rank by (only filters, e.g. an author): every match, newest or most trending first. */
  private async filterOnly(view: IndexView, request: SearchRequest, filter: SeqFilter, clauses: Clauses, limit: number, offset: number): Promise<SearchResponse> {
    const { docs } = view;
    const test = both(filter, termConstraints(clauses, view.lexical));
    const dated = docs.datedBetween(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    let seqs: number[] = [];
    for (let i = dated.length - 1; i >= 0; i--) if (!test || test(dated[i]!)) seqs.push(dated[i]!);
    seqs = await checkPhrases(seqs, clauses, this.texts);
    let found: Scored[] = seqs.map((seq) => ({ docId: seq, score: 0, input: { docId: seq, lexical: null, semantic: null } }));
    if (request.sort === 'trending') {
      const now = request.now ?? this.now();
      found = byTrending(found.map((f) => ({ ...f, day: docs.day(f.docId), trending: trendingKeyOf(docs.signals(f.docId), docs.day(f.docId), now) })))
        .map(({ trending, day: _day, ...f }) => ({ ...f, score: trending.score }));
    }
    const hits = await buildHits(found.slice(offset, offset + limit), { docs, lexical: view.lexical, texts: this.texts }, []);
    return { query: request.query, mode: 'lexical', fusion: null, hits, total: found.length, months: countMonths(found, (s) => docs.day(s)), notices: [`no query words: papers matching the filters, ${request.sort === 'trending' ? 'most trending' : 'newest'} first`] };
  }
}
