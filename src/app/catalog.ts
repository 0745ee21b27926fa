import type { DigestPaper } from '../core/digest.ts';
import type { StoredPaper } from '../core/paper.ts';
import { firstSentence } from '../core/first-sentence.ts';
import { dailyWindow, dayOf, trendingWindow, type DailyView, type DailyWindow, type DateWindow, type TrendingPeriod } from '../core/periods.ts';
import { trendingScore, type SignalGains, type TrendingScore } from '../core/trending.ts';
import type { AccountStore, UserList } from '../ports/account-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Topic } from '../ports/subscription-store.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { IndexedDoc, SearchHit, SearchRequest, SearchResponse } from './search/search-engine.ts';
import type { SearchService } from './search/search-service.ts';
import { gainsWindowFor, trendingBasis, type TrendingBasis, type TrendingService } from './trending.ts';

export interface CatalogDeps {
  store: PaperStore;
  accounts: AccountStore;
  /** The search service, built lazily (loading the index takes a while on a large corpus). */
  search: () => Promise<SearchService>;
  clock: Clock;
  /** Window gains for momentum (app/trending.ts); without it lists rank by the signals owned. */
  trending?: TrendingService;
}

/** A paper in a list: what a result row shows. */
export interface PaperCard {
  id: string;
  title: string;
  authors: readonly string[];
  categories: readonly string[];
  date: string | null;
  upvotes: number;
  hfUpvotes: number | null;
  githubStars: number | null;
  trending: TrendingScore;
}

/** What a card shows beyond the index: a one-line summary, the rest of the abstract, the code link. */
export interface CardDetails {
  /** Hugging Face's AI summary when the paper has one, else the abstract's first sentence. */
  summary: string;
  summarySource: 'huggingface' | 'abstract';
  /** The abstract after that first sentence (the whole abstract under an AI summary). */
  more: string;
  abstract: string;
  code: string | null;
  githubStars: number | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface ListOptions {
  limit: number;
  offset: number;
  categories?: readonly string[];
  /** Paper ids to leave out (the reader's hidden papers). */
  exclude?: ReadonlySet<string>;
}

const digestPaper = (doc: IndexedDoc): DigestPaper => ({ id: doc.id, title: doc.title, authors: doc.authors, abstract: doc.abstract, date: doc.date });

const inCategories = (doc: IndexedDoc, wanted: readonly string[] | undefined) =>
  !wanted?.length || wanted.some((w) => doc.categories.some((c) => c === w || c.startsWith(`${w}.`)));

/** Browsing (trending, daily, newest), paper pages, votes and lists, over the in-memory index. */
export function createCatalog(deps: CatalogDeps) {
  let votesLoaded: Promise<void> | null = null;
  const loadVotes = async (service: SearchService) => {
    for (const [id, n] of await deps.accounts.voteCounts()) service.engine.setLocalVotes(id, n);
  };
  const engine = async () => {
    const service = await deps.search();
    votesLoaded ??= loadVotes(service);
    await votesLoaded;
    return service.engine;
  };

  const card = (doc: IndexedDoc, now: number, gained?: SignalGains): PaperCard => ({
    id: doc.id, title: doc.title, authors: doc.authors, categories: doc.categories, date: doc.date,
    upvotes: doc.signals?.localVotes ?? 0, hfUpvotes: doc.signals?.hfUpvotes ?? null, githubStars: doc.signals?.githubStars ?? null,
    trending: trendingScore({ ...doc.signals, date: doc.date, ...(gained ? { gained } : {}) }, now),
  });
  const gainsOf = (window: DateWindow) => deps.trending?.gains(gainsWindowFor(window, dayOf(deps.clock.now()))) ?? Promise.resolve(null);

  const ranked = (docs: IndexedDoc[], options: ListOptions, now: number, gains: ReadonlyMap<string, SignalGains> | null = null): Page<PaperCard> & { basis: TrendingBasis } => {
    const kept = docs.filter((d) => inCategories(d, options.categories) && !options.exclude?.has(d.id));
    const basis = trendingBasis(kept, gains);
    const cards = kept
      .map((d) => card(d, now, basis === 'momentum' ? gains!.get(d.id) ?? {} : undefined))
      .sort((a, b) => b.trending.score - a.trending.score || b.trending.attention - a.trending.attention || (b.date ?? '').localeCompare(a.date ?? '') || a.id.localeCompare(b.id));
    return { items: cards.slice(options.offset, options.offset + options.limit), total: cards.length, limit: options.limit, offset: options.offset, basis };
  };

  return {
    /**
     * Re-reads vote counts from the store: other worker processes record votes too, so lists in
     * this process catch up at each refresh; paper pages always read the stored count.
     */
    async reloadVotes(): Promise<void> {
      await loadVotes(await deps.search());
    },

    /** Papers in the index (the empty-database notice), without touching the store. */
    async size(): Promise<number> {
      return (await engine()).size;
    },

    /** Papers of the period ranked by trending score (core/trending.ts) at the clock's time. */
    async trending(period: TrendingPeriod, options: ListOptions): Promise<Page<PaperCard> & { window: DateWindow; now: string; basis: TrendingBasis }> {
      const e = await engine();
      const now = deps.clock.now();
      const window = trendingWindow(period, dayOf(now), e.latestDate(dayOf(now)));
      return { ...ranked(e.datedBetween(window.from, window.to), options, now, await gainsOf(window)), window, now: new Date(now).toISOString() };
    },

    /** Papers announced on a day (or in its week or month), most trending first. */
    async daily(date: string | undefined, view: DailyView, options: ListOptions): Promise<Page<PaperCard> & { window: DailyWindow; basis: TrendingBasis }> {
      const e = await engine();
      const now = deps.clock.now();
      const day = date ?? e.latestDate(dayOf(now)) ?? dayOf(now);
      const window = dailyWindow(day, view);
      return { ...ranked(e.datedBetween(window.from, window.to), options, now, await gainsOf(window)), window };
    },

    /** Newest papers first, optionally within dates and categories. */
    async newest(options: ListOptions & { from?: string; to?: string }): Promise<Page<PaperCard>> {
      const e = await engine();
      const now = deps.clock.now();
      const docs = e.datedBetween(options.from ?? '0000-01-01', options.to ?? '9999-12-31')
        .filter((d) => inCategories(d, options.categories) && !options.exclude?.has(d.id));
      const items: PaperCard[] = [];
      for (let i = docs.length - 1 - options.offset; i >= 0 && items.length < options.limit; i--) items.push(card(docs[i]!, now));
      return { items, total: docs.length, limit: options.limit, offset: options.offset };
    },

    /**
     * The newest paper's day when it is more than `staleDays` before the clock's day (the mirror
     * stopped importing), else null: lists and the API say "data as of" that day.
     */
    async dataAsOf(staleDays = 2): Promise<string | null> {
      const now = deps.clock.now();
      const newest = (await engine()).latestDate(dayOf(now));
      return newest && now - Date.parse(`${newest}T23:59:59.999Z`) > staleDays * 86_400_000 ? newest : null;
    },

    /** Card details of these papers (a page's worth: each is read from the store). */
    async details(ids: readonly string[]): Promise<Map<string, CardDetails>> {
      const papers = await Promise.all(ids.map((id) => deps.store.getPaper(id)));
      const out = new Map<string, CardDetails>();
      for (const paper of papers) {
        if (!paper) continue;
        const signal = (source: string, name: string) => paper.signals.find((s) => s.source === source && s.name === name)?.value;
        const ai = signal('huggingface', 'aiSummary');
        const stars = signal('github', 'stars');
        const first = firstSentence(paper.abstract);
        const hasAi = typeof ai === 'string' && ai.trim() !== '';
        out.set(paper.id, {
          summary: hasAi ? ai.trim() : first.sentence,
          summarySource: hasAi ? 'huggingface' : 'abstract',
          more: hasAi ? paper.abstract : first.rest,
          abstract: paper.abstract,
          code: paper.links.code ?? null,
          githubStars: typeof stars === 'number' ? stars : null,
        });
      }
      return out;
    },

    async search(request: SearchRequest): Promise<SearchResponse> {
      return (await engine()).search({ ...request, now: deps.clock.now() });
    },

    /** The stored paper with its votes, trending breakdown and similar papers; null when unknown. */
    async paper(id: string, similarLimit = 8): Promise<{ paper: StoredPaper; card: PaperCard | null; similar: SearchHit[]; similarMode: 'semantic' | 'lexical' } | null> {
      const paper = await deps.store.getPaper(id);
      if (!paper || paper.deleted) return null;
      const e = await engine();
      const docId = e.docIdOf(paper.id);
      const doc = docId === undefined ? undefined : e.doc(docId);
      // The API's paper endpoint asks for none: skip the vector search.
      const similar = similarLimit > 0 ? await e.similar(paper.id, similarLimit) : { hits: [], mode: 'lexical' as const };
      const upvotes = await deps.accounts.voteCount(paper.id);
      if (doc && doc.signals?.localVotes !== upvotes) e.setLocalVotes(paper.id, upvotes);
      // The breakdown is the week's momentum (the trending page's default period) when the paper gained something in it.
      const now = deps.clock.now();
      const gains = await gainsOf(trendingWindow('week', dayOf(now), dayOf(now)));
      return { paper, card: doc ? card(doc, now, gains?.get(paper.id)) : null, similar: similar.hits, similarMode: similar.mode };
    },

    async cards(ids: readonly string[]): Promise<Map<string, PaperCard>> {
      const e = await engine();
      const now = deps.clock.now();
      const out = new Map<string, PaperCard>();
      for (const id of ids) {
        const docId = e.docIdOf(id);
        const doc = docId === undefined ? undefined : e.doc(docId);
        if (doc) out.set(id, card(doc, now));
      }
      return out;
    },

    /** One vote per reader per paper; returns the paper's local vote count. */
    async vote(userId: number, paperId: string, on: boolean): Promise<number | null> {
      const paper = await deps.store.getPaper(paperId);
      if (!paper || paper.deleted) return null;
      const count = await deps.accounts.setVote(userId, paper.id, on, new Date(deps.clock.now()).toISOString());
      (await engine()).setLocalVotes(paper.id, count);
      deps.trending?.invalidate();
      return count;
    },

    /** Adds or removes a paper from the reader's library or hidden list; false when the paper is unknown. */
    async setInList(list: UserList, userId: number, paperId: string, on: boolean): Promise<boolean> {
      const paper = await deps.store.getPaper(paperId);
      if (!paper) return false;
      await deps.accounts.setInList(list, userId, paper.id, on, new Date(deps.clock.now()).toISOString());
      if (list === 'library') deps.trending?.invalidate();
      return true;
    },

    async list(list: UserList, userId: number, limit: number, offset: number): Promise<Page<PaperCard & { addedAt: string }>> {
      const { items, total } = await deps.accounts.listPapers(list, userId, limit, offset);
      const cards = await this.cards(items.map((i) => i.paperId));
      return {
        items: items.flatMap((i) => {
          const c = cards.get(i.paperId);
          return c ? [{ ...c, addedAt: i.addedAt }] : [];
        }),
        total, limit, offset,
      };
    },

    /** What the reader did to these papers, for buttons' states. */
    async readerState(userId: number, ids: readonly string[]): Promise<{ voted: Set<string>; saved: Set<string> }> {
      const [voted, saved] = await Promise.all([deps.accounts.votedBy(userId, ids), deps.accounts.inList('library', userId, ids)]);
      return { voted, saved };
    },

    /** Papers dated within [from, to], most trending first, with their abstracts (digests). */
    async trendingBetween(from: string, to: string, limit: number): Promise<DigestPaper[]> {
      const e = await engine();
      const now = deps.clock.now();
      return ranked(e.datedBetween(from, to), { limit, offset: 0 }, now, await gainsOf({ from, to })).items.map((c) => digestPaper(e.doc(e.docIdOf(c.id)!)!));
    },

    /** A topic's matches dated from `from` on, best first (search engine, hybrid when it can). */
    async topicMatches(topic: Pick<Topic, 'kind' | 'query' | 'filters'>, from: string, limit: number): Promise<DigestPaper[]> {
      const e = await engine();
      const request = topic.kind === 'search'
        ? { query: topic.query, ...(topic.filters.categories?.length ? { categories: topic.filters.categories } : {}), ...(topic.filters.author ? { author: topic.filters.author } : {}) }
        : topic.kind === 'category' ? { query: '', categories: [topic.query], sort: 'trending' as const } : { query: '', author: topic.query, sort: 'trending' as const };
      const result = await e.search({ mode: 'hybrid', ...request, from, limit, snippets: false, now: deps.clock.now() });
      return result.hits.map((h) => digestPaper(e.doc(h.docId)!));
    },

    hidden(userId: number): Promise<Set<string>> {
      return deps.accounts.allInList('hidden', userId);
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
