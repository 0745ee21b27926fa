/** The search engine's request, response and option types. */
import type { SideScore } from '../../core/search/fusion.ts';
import type { FieldSpec } from '../../core/search/lexical-index.ts';
import type { AnnFactory } from '../../ports/ann-index.ts';
import type { Embedder } from '../../ports/embedder.ts';
import type { Logger } from '../../ports/logger.ts';
import type { PaperText } from '../../ports/text-source.ts';

/** What the engine keeps of a paper. `docId` is the store's stable integer handle. */
export interface IndexedDoc extends PaperText {
  docId: number;
  /** Attention signals for the trending sort. */
  signals?: { hfUpvotes?: number | null; githubStars?: number | null; localVotes?: number | null };
}

export type SearchMode = 'hybrid' | 'lexical' | 'semantic';
export type FusionMethod = 'convex' | 'rrf';

export interface SearchRequest {
  query: string;
  mode?: SearchMode;
  fusion?: FusionMethod;
  /** Weight of the semantic side in convex fusion. */
  alpha?: number;
  limit?: number;
  offset?: number;
  categories?: readonly string[];
  from?: string;
  to?: string;
  author?: string;
  /** relevance; date (newest first); trending (core/trending.ts) — both over the best candidates. */
  sort?: 'relevance' | 'date' | 'trending';
  /** Time for the trending sort (ms since epoch); default: the engine's clock. */
  now?: number;
  /** false: the query is plain words, no operators (default true). */
  syntax?: boolean;
  /** false: skip snippets (evaluation runs, bulk API use). */
  snippets?: boolean;
  /** Paper ids left out (a reader's hidden papers). */
  exclude?: ReadonlySet<string>;
}

export interface Explanation {
  lexical: SideScore | null;
  semantic: SideScore | null;
  /** The fused score (hybrid), or the single side's score. */
  fused: number;
  /** Analysed query terms found in the paper. */
  matchedTerms: string[];
}

export interface SearchHit {
  docId: number;
  id: string;
  title: string;
  authors: readonly string[];
  categories: readonly string[];
  date: string | null;
  signals: NonNullable<IndexedDoc['signals']>;
  score: number;
  /** HTML-safe excerpt with <mark>ed terms. */
  snippet: string;
  explanation: Explanation;
}

export interface SearchResponse {
  query: string;
  /** The mode actually used (hybrid falls back to lexical without a model). */
  mode: SearchMode | 'id';
  fusion: FusionMethod | null;
  hits: SearchHit[];
  /** Candidates that matched, before pagination (capped at the candidate pool size). */
  total: number;
  /** Candidates per month (YYYY-MM, ascending), for the results chart. */
  months: { month: string; papers: number }[];
  notices: string[];
}

export interface SearchEngineOptions {
  fields?: readonly FieldSpec[];
  k1?: number;
  /** Default weight of the semantic side (tuned on SciFact train; see docs/quality.md). */
  alpha?: number;
  /** Candidates taken from each side before fusion. */
  candidates?: number;
  /** Query texts whose vectors are kept (least recently used dropped; 0 turns the cache off). */
  queryCache?: number;
  embedder?: Embedder | null;
  logger?: Logger;
  /** Approximate index used above `exactThreshold` vectors; candidates are re-ranked exactly. */
  ann?: AnnFactory;
  exactThreshold?: number;
  /** Clock for the trending sort. */
  now?: () => number;
  /** Candidates the ANN graph proposes for re-ranking (at least 10x the results asked for). */
  annCandidates?: number;
  /**
   * A query that matches no paper by its words and whose best cosine is below this gets no results
   * (a nonsense query would otherwise list random neighbours). Default: the embedder's
   * `minRelevance`, else {@link DEFAULT_MIN_RELEVANCE}.
   */
  minRelevance?: number;
}

/** Cosine below which a best semantic match of a query with no word match is noise (all-MiniLM-L6-v2; docs/search.md). */
export const DEFAULT_MIN_RELEVANCE = 0.3;
