import { analyze } from '../../core/search/analyzer.ts';
import { convexFusion, rrfFusion, type FusionInput } from '../../core/search/fusion.ts';
import { LexicalIndex, topK, type FieldSpec } from '../../core/search/lexical-index.ts';
import { parseQuery, plainQuery, type ParsedQuery } from '../../core/search/query.ts';
import { QueryVectorCache } from './query-vector-cache.ts';
import { VectorSearch } from './vector-search.ts';
import { orderResults, trendScoreOf } from './result-order.ts';
import { NOTHING_CLOSE, NO_MODEL, SEMANTIC_FAILED, coverageNotice } from './search-notices.ts';
import { buildClauses, containsSequence, foldName, type Clauses, type PhraseClause } from './query-clauses.ts';
import { snippet } from '../../core/search/snippet.ts';
import { latexTextToPlain } from '../../core/latex-text.ts';
import { MonthIndex } from '../../core/search/month-index.ts';
import type { Embedder } from '../../ports/embedder.ts';
import type { Logger } from '../../ports/logger.ts';

import { DEFAULT_MIN_RELEVANCE, type IndexedDoc, type SearchMode, type FusionMethod, type SearchRequest, type Explanation, type SearchHit, type SearchResponse, type SearchEngineOptions } from './search-types.ts';

export type { IndexedDoc, SearchMode, FusionMethod, SearchRequest, Explanation, SearchHit, SearchResponse, SearchEngineOptions };

/** BM25F fields and parameters, tuned on SciFact train (docs/quality.md). */
export const DEFAULT_FIELDS: readonly FieldSpec[] = [
  { name: 'title', weight: 1.5, b: 0.6 },
  { name: 'abstract', weight: 1, b: 0.8 },
  { name: 'authors', weight: 1, b: 0.3 },
];
export const DEFAULT_ALPHA = 0.75;

const PASS_ALL = (): boolean => true;

/**
 * The search engine: BM25F over title, abstract and authors, exact cosine over paper embeddings,
 * fused by convex combination (min-max normalisation, the cosine floor set per model) or RRF.
 * Knows nothing of storage: papers and vectors are pushed in (search-service.ts feeds it from the
 * store, evaluate.ts from any BEIR corpus for `paperboy eval`).
 */
export class SearchEngine {
  readonly lexical: LexicalIndex;
  readonly vectors: VectorSearch | null;
  readonly embedder: Embedder | null;
  readonly alpha: number;
  private readonly candidates: number;
  private readonly docs = new Map<number, IndexedDoc>();
  private readonly byId = new Map<string, number>();
  private readonly logger: Logger | undefined;
  private warnedNoModel = false;
  private readonly minRelevance: number;
  private readonly cosineFloor: number | 'candidates';
  private readonly now: () => number;
  /** Papers sorted by date, rebuilt lazily after changes (browsing by day, week, month). */
  private dated: { date: string; docId: number }[] | null = null;
  private readonly monthIndex = new MonthIndex();
  /** Vectors of recent query texts (a hybrid query's largest cost is embedding its text). */
  readonly queryVectors: QueryVectorCache;

  constructor(options: SearchEngineOptions = {}) {
    this.lexical = new LexicalIndex({ fields: options.fields ?? DEFAULT_FIELDS, k1: options.k1 ?? 1.2 });
    this.embedder = options.embedder ?? null;
    this.vectors = this.embedder
      ? new VectorSearch(this.embedder.dims, { ...(options.ann ? { ann: options.ann } : {}), exactThreshold: options.exactThreshold ?? 20_000, annCandidates: options.annCandidates ?? 400 })
      : null;
    // The model's own fusion settings (model catalog) unless the caller sets α.
    this.alpha = options.alpha ?? this.embedder?.fusion?.alpha ?? DEFAULT_ALPHA;
    this.cosineFloor = this.embedder?.fusion?.cosineFloor ?? 'candidates';
    this.candidates = options.candidates ?? 200;
    this.logger = options.logger;
    this.minRelevance = options.minRelevance ?? this.embedder?.minRelevance ?? DEFAULT_MIN_RELEVANCE;
    this.now = options.now ?? Date.now;
    this.queryVectors = new QueryVectorCache(options.queryCache ?? 1000);
  }

  /** Builds pending vector-index work now (after a refresh) rather than in the next query. */
  prepare(): void {
    this.vectors?.prepare();
  }

  /** {@link prepare} a slice at a time, so that a caller can serve between slices. */
  *prepareSteps(perStep?: number): Generator<void> {
    if (this.vectors) yield* this.vectors.prepareSteps(perStep);
  }

  private nearest(query: Float32Array, k: number, filter: (docId: number) => boolean): { docId: number; score: number }[] {
    return this.vectors!.nearest(query, k, filter);
  }

  get size(): number {
    return this.docs.size;
  }

  get embedded(): number {
    return this.vectors?.size ?? 0;
  }

  doc(docId: number): IndexedDoc | undefined {
    return this.docs.get(docId);
  }

  docIdOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** Adds or replaces a paper (its vector, if any, is kept unless the text changed). */
  upsert(doc: IndexedDoc): void {
    const before = this.docs.get(doc.docId);
    if (before && (before.title !== doc.title || before.abstract !== doc.abstract)) this.dropVector(doc.docId);
    // A record without id that became its arXiv twin keeps its doc under the new id only.
    if (before && before.id !== doc.id) this.byId.delete(before.id);
    this.docs.set(doc.docId, { ...doc, signals: { ...doc.signals, localVotes: doc.signals?.localVotes ?? before?.signals?.localVotes ?? 0 } });
    this.byId.set(doc.id, doc.docId);
    if (!before || before.date !== doc.date) this.dated = null;
    this.monthIndex.set(doc.docId, doc.date);
    this.lexical.add(doc.docId, { title: doc.title, abstract: doc.abstract, authors: doc.authors.join(' ; ') });
  }

  remove(docId: number): void {
    const doc = this.docs.get(docId);
    if (!doc) return;
    this.docs.delete(docId);
    this.byId.delete(doc.id);
    this.dated = null;
    this.monthIndex.set(docId, null);
    this.lexical.remove(docId);
    this.dropVector(docId);
  }

  private dropVector(docId: number): void {
    this.vectors?.remove(docId);
  }

  /** Local (Paperboy) upvotes of a paper, for trending. */
  setLocalVotes(id: string, votes: number): void {
    const docId = this.byId.get(id);
    const doc = docId === undefined ? undefined : this.docs.get(docId);
    if (doc) doc.signals = { ...doc.signals, localVotes: votes };
  }

  /** Papers dated within [from, to] (YYYY-MM-DD, inclusive), oldest first. */
  datedBetween(from: string, to: string): IndexedDoc[] {
    const dated = this.byDate();
    const out: IndexedDoc[] = [];
    for (let i = firstAtOrAfter(dated, from); i < dated.length && dated[i]!.date <= to; i++) out.push(this.docs.get(dated[i]!.docId)!);
    return out;
  }

  /** The latest paper date on or before `day`, null when none. */
  latestDate(day = '9999-12-31'): string | null {
    const dated = this.byDate();
    const i = firstAtOrAfter(dated, `${day}~`) - 1;
    return i >= 0 ? dated[i]!.date : null;
  }

  private byDate(): { date: string; docId: number }[] {
    this.dated ??= [...this.docs.values()]
      .filter((d) => d.date)
      .map((d) => ({ date: d.date!.slice(0, 10), docId: d.docId }))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.docId - b.docId));
    return this.dated;
  }

  setVector(docId: number, vector: Float32Array): void {
    if (!this.docs.has(docId) || !this.vectors) return;
    this.vectors.set(docId, vector);
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const parsed = request.syntax === false ? plainQuery(request.query) : parseQuery(request.query);
    const limit = Math.max(0, request.limit ?? 10);
    const offset = Math.max(0, request.offset ?? 0);
    const notices: string[] = [];
    if (parsed.paperId) return this.idLookup(request, parsed.paperId);

    let mode: SearchMode = request.mode ?? 'hybrid';
    const semanticReady = this.embedder !== null && this.vectors !== null && this.vectors.size > 0;
    if (mode !== 'lexical' && !semanticReady) {
      notices.push(this.embedder ? 'semantic search is unavailable until papers are embedded (run `paperboy embed`); results are lexical only' : NO_MODEL);
      if (!this.warnedNoModel) {
        this.logger?.warn('search.semantic_unavailable', { reason: notices[0] });
        this.warnedNoModel = true;
      }
      mode = 'lexical';
    }
    if (mode === 'semantic' && parsed.text.trim() === '') mode = 'lexical';
    const filter = this.filterFor(request, parsed);
    const pool = Math.max(this.candidates, offset + limit);
    const lexicalClauses = buildClauses(parsed);
    if (!lexicalClauses.should.length && !lexicalClauses.must.length && !lexicalClauses.phrases.length && parsed.text.trim() === '') {
      return this.filterOnly(request, filter, lexicalClauses, limit, offset);
    }
    // The query's vector first: it is the one wait of a search, and all that follows reads the index
    // as it is after it (a refresh may remove papers meanwhile). A failing model costs the semantic
    // side only: the answer is by words, with a notice, never an error.
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
      const notice = coverageNotice(this.vectors!.size, this.docs.size, mode);
      if (notice) notices.push(notice);
    }

    let lexicalHits: { docId: number; score: number }[] = [];
    if (mode !== 'semantic') {
      // Phrases are checked on the candidates, so take more of them when there are phrases.
      const checksPhrases = lexicalClauses.phrases.length + lexicalClauses.negatedPhrases.length > 0;
      // No filter at all rather than one that passes everything: the index calls it per match.
      lexicalHits = this.lexical.search(lexicalClauses, { limit: pool * (checksPhrases ? 4 : 1), ...(filter === PASS_ALL ? {} : { filter }) });
      if (checksPhrases) lexicalHits = lexicalHits.filter((h) => this.passesConstraints(h.docId, lexicalClauses)).slice(0, pool);
    }
    let semanticHits: { docId: number; score: number }[] = [];
    if (mode !== 'lexical' && queryVector) {
      const semanticFilter = (docId: number) => filter(docId) && this.passesConstraints(docId, lexicalClauses);
      semanticHits = this.nearest(queryVector, pool, semanticFilter);
      if (this.isNoise(semanticHits, mode === 'hybrid' ? lexicalHits.length > 0 : null, lexicalClauses, filter)) {
        return { query: request.query, mode, fusion: null, hits: [], total: 0, months: [], notices: [...notices, NOTHING_CLOSE] };
      }
    }

    const candidates = new Map<number, FusionInput>();
    lexicalHits.forEach((h, i) => candidates.set(h.docId, { docId: h.docId, lexical: { score: h.score, rank: i + 1 }, semantic: null }));
    semanticHits.forEach((h, i) => {
      const c = candidates.get(h.docId);
      if (c) c.semantic = { score: h.score, rank: i + 1 };
      else candidates.set(h.docId, { docId: h.docId, lexical: null, semantic: { score: h.score, rank: i + 1 } });
    });

    const fusion: FusionMethod | null = mode === 'hybrid' ? (request.fusion ?? 'convex') : null;
    let scored: { docId: number; score: number; input: FusionInput }[];
    if (mode === 'hybrid') {
      // The semantic score is exact for every candidate: lexical-only ones get their cosine too.
      // Papers not embedded yet are ranked by their words alone (core/search/fusion.ts).
      for (const c of candidates.values()) {
        if (!c.semantic && queryVector) {
          const s = this.vectors!.score(queryVector, c.docId);
          if (s !== null) c.semantic = { score: s, rank: 0 };
          else c.embedded = false;
        }
      }
      const inputs = [...candidates.values()];
      const fused = fusion === 'rrf' ? rrfFusion(inputs.map((c) => (c.semantic?.rank === 0 ? { ...c, semantic: null } : c))) : convexFusion(inputs, request.alpha ?? this.alpha, { semanticFloor: this.cosineFloor });
      scored = fused.map((f, i) => ({ docId: f.docId, score: f.fused, input: inputs[i]! }));
    } else {
      scored = [...candidates.values()].map((c) => ({ docId: c.docId, score: (mode === 'lexical' ? c.lexical?.score : c.semantic?.score) ?? 0, input: c }));
    }

    const ordered = orderResults(topK(scored, scored.length), request.sort, (docId) => this.docs.get(docId), request.now ?? this.now());
    const queryTerms = [...new Set(lexicalClauses.should.map((c) => c.term))];
    const hits = ordered.slice(offset, offset + limit).map((s) => this.hit(s.docId, s.score, s.input, queryTerms, request.snippets !== false));
    return { query: request.query, mode, fusion, hits, total: ordered.length, months: this.monthIndex.count(ordered), notices };
  }

  /**
   * The minimum-relevance rule: a query none of whose words any paper contains, and whose nearest
   * paper by meaning is below `minRelevance`, matches nothing (not "200+ papers" of random neighbours).
   * `wordMatch` is null when the lexical side was not searched (semantic mode): it is checked here.
   */
  private isNoise(semanticHits: readonly { score: number }[], wordMatch: boolean | null, clauses: Clauses, filter: (docId: number) => boolean): boolean {
    if (semanticHits.length === 0 || semanticHits[0]!.score >= this.minRelevance) return false;
    const matched = wordMatch ?? this.lexical.search(clauses, { limit: 1, ...(filter === PASS_ALL ? {} : { filter }) }).length > 0;
    return !matched;
  }

  /** Papers nearest to one paper by embedding (lexical fallback), never the paper itself. */
  async similar(id: string, limit = 10): Promise<{ mode: 'semantic' | 'lexical'; hits: SearchHit[] }> {
    const docId = this.byId.get(id);
    const doc = docId === undefined ? undefined : this.docs.get(docId);
    if (docId === undefined || !doc) return { mode: 'lexical', hits: [] };
    const vector = this.vectors?.get(docId);
    if (vector) {
      const hits = this.nearest(vector, limit, (other) => other !== docId);
      return {
        mode: 'semantic',
        hits: hits.map((h, i) => this.hit(h.docId, h.score, { docId: h.docId, lexical: null, semantic: { score: h.score, rank: i + 1 } }, [])),
      };
    }
    const should = [...new Set(analyze(`${doc.title} ${doc.abstract.split(/\s+/).slice(0, 60).join(' ')}`).map((t) => t.term))].map((term) => ({ term }));
    const hits = this.lexical.search({ should }, { limit, filter: (other) => other !== docId });
    const terms = should.map((c) => c.term);
    return {
      mode: 'lexical',
      hits: hits.map((h, i) => this.hit(h.docId, h.score, { docId: h.docId, lexical: { score: h.score, rank: i + 1 }, semantic: null }, terms)),
    };
  }

  private idLookup(request: SearchRequest, paperId: string): SearchResponse {
    const docId = this.byId.get(paperId);
    const hits = docId === undefined ? [] : [this.hit(docId, 1, { docId, lexical: null, semantic: null }, [])];
    return { query: request.query, mode: 'id', fusion: null, hits, total: hits.length, months: this.monthIndex.count(hits), notices: hits.length ? [] : [`no paper ${paperId} in this index`] };
  }

  /** No words to rank by (only filters, e.g. an author): every match, newest or most trending first. */
  private filterOnly(request: SearchRequest, filter: (docId: number) => boolean, clauses: Clauses, limit: number, offset: number): SearchResponse {
    const dated = this.byDate();
    const found: { docId: number; score: number }[] = [];
    for (let i = dated.length - 1; i >= 0; i--) {
      const docId = dated[i]!.docId;
      if (filter(docId) && this.passesConstraints(docId, clauses)) found.push({ docId, score: 0 });
    }
    if (request.sort === 'trending') {
      const now = request.now ?? this.now();
      for (const f of found) f.score = trendScoreOf(this.docs.get(f.docId), now);
      found.sort((a, b) => b.score - a.score);
    }
    const hits = found.slice(offset, offset + limit).map((f) => this.hit(f.docId, f.score, { docId: f.docId, lexical: null, semantic: null }, []));
    return { query: request.query, mode: 'lexical', fusion: null, hits, total: found.length, months: this.monthIndex.count(found), notices: ['no query words: papers matching the filters, newest first'.replace('newest', request.sort === 'trending' ? 'most trending' : 'newest')] };
  }

  private hit(docId: number, score: number, input: FusionInput, queryTerms: readonly string[], withSnippet = true): SearchHit {
    const doc = this.docs.get(docId)!;
    const matchedTerms = queryTerms.filter((term) => this.lexical.contains(docId, { term }));
    const marks = new Set(matchedTerms);
    return {
      docId,
      id: doc.id,
      title: doc.title,
      authors: doc.authors,
      categories: doc.categories,
      date: doc.date,
      signals: doc.signals ?? {},
      score,
      snippet: withSnippet ? snippet(latexTextToPlain(doc.abstract || doc.title), marks) : '',
      explanation: {
        lexical: input.lexical,
        semantic: input.semantic && input.semantic.rank > 0 ? input.semantic : input.semantic ? { score: input.semantic.score, rank: 0 } : null,
        fused: score,
        matchedTerms,
      },
    };
  }

  private filterFor(request: SearchRequest, parsed: ParsedQuery): (docId: number) => boolean {
    const categories = [...(request.categories ?? []), ...parsed.categories];
    const author = request.author ? foldName(request.author) : null;
    const from = request.from ?? null;
    const to = request.to ?? null;
    const exclude = request.exclude && request.exclude.size > 0 ? request.exclude : null;
    if (categories.length === 0 && !author && !from && !to && !exclude) return PASS_ALL;
    return (docId) => {
      const doc = this.docs.get(docId);
      if (!doc) return false;
      if (exclude?.has(doc.id)) return false;
      if (categories.length > 0 && !categories.some((want) => doc.categories.some((c) => c === want || c.startsWith(`${want}.`)))) return false;
      if (from && (!doc.date || doc.date < from)) return false;
      if (to && (!doc.date || doc.date > to)) return false;
      if (author && !doc.authors.some((name) => foldName(name).includes(author))) return false;
      return true;
    };
  }

  /** Exclusions and required phrases apply to semantic candidates too. */
  private passesConstraints(docId: number, clauses: Clauses): boolean {
    if (clauses.mustNot.some((c) => this.lexical.contains(docId, c))) return false;
    if (clauses.negatedPhrases.some((p) => this.hasPhrase(docId, p))) return false;
    return this.hasPhrases(docId, clauses.phrases);
  }

  private hasPhrases(docId: number, phrases: readonly PhraseClause[]): boolean {
    return phrases.every((p) => this.hasPhrase(docId, p));
  }

  private hasPhrase(docId: number, phrase: PhraseClause): boolean {
    const doc = this.docs.get(docId);
    if (!doc) return false;
    const texts: Record<string, string> = { title: doc.title, abstract: doc.abstract, authors: doc.authors.join(' ; ') };
    return (phrase.fields ?? ['title', 'abstract', 'authors']).some((field) => containsSequence(texts[field] ?? '', phrase.terms));
  }
}

/** Index of the first entry dated at or after `date` in a date-sorted list. */
function firstAtOrAfter(dated: readonly { date: string }[], date: string): number {
  let lo = 0;
  let hi = dated.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dated[mid]!.date < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
