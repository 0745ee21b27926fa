import type { DigestPaper } from '../core/digest.ts';
import type { StoredPaper } from '../core/paper.ts';
import { firstSentence } from '../core/first-sentence.ts';
import { dailyWindow, dayOf, trendingWindow, type DailyView, type DailyWindow, type DateWindow, type TrendingPeriod } from '../core/periods.ts';
import type { SignalGains, TrendingScore } from '../core/trending.ts';
import type { AccountStore, UserList } from '../ports/account-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Topic } from '../ports/subscription-store.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { PaperText } from '../ports/text-source.ts';
import { dateOfDay, dayOfDate } from './search/days.ts';
import type { DocTable } from './search/doc-table.ts';
import { byTrending, compareStrings, inCategories, trendingKeyOf, trendingOf } from './search/ranking.ts';
import type { SearchEngine, SearchHit, SearchRequest, SearchResponse } from './search/search-engine.ts';
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

const digestPaper = (text: PaperText): DigestPaper => ({ id: text.id, title: text.title, authors: text.authors, abstract: text.abstract, date: text.date });

/** Browsing (trending, daily, newest), paper pages, votes and lists, over the search index's document table. */
export function createCatalog(deps: CatalogDeps) {
  // Vote counts reach the index through the store's change feed (a vote bumps its paper's change):
  // lists in every process catch up at the next refresh.
  const engine = async () => (await deps.search()).engine;

  /** What each paper gained in the window, when the list ranks by momentum (null: by the signals owned). */
  type Gains = ReadonlyMap<string, SignalGains> | null;
  const gainedBy = (docs: DocTable, seq: number, gains: Gains): SignalGains | undefined => (gains ? gains.get(docs.id(seq) ?? '') ?? {} : undefined);

  const card = (docs: DocTable, seq: number, text: PaperText, now: number, gained?: SignalGains): PaperCard => {
    const signals = docs.signals(seq);
    return {
      id: text.id, title: text.title, authors: text.authors, categories: text.categories, date: text.date,
      upvotes: signals.localVotes, hfUpvotes: signals.hfUpvotes, githubStars: signals.githubStars,
      trending: trendingOf(signals, docs.day(seq), now, gained),
    };
  };
  const gainsOf = (window: DateWindow) => deps.trending?.gains(gainsWindowFor(window, dayOf(deps.clock.now()))) ?? Promise.resolve(null);

  /** Cards of these papers, in order: texts are read for them only. */
  const cardsOf = async (e: SearchEngine, docs: DocTable, seqs: readonly number[], now: number, gains: Gains = null): Promise<PaperCard[]> => {
    const texts = await e.readTexts(seqs);
    return seqs.flatMap((seq) => {
      const text = texts.get(seq);
      return text ? [card(docs, seq, text, now, gainedBy(docs, seq, gains))] : [];
    });
  };

  const visible = (docs: DocTable, seqs: readonly number[], options: ListOptions): number[] =>
    seqs.filter((seq) => inCategories(docs.categories(seq), options.categories) && !(options.exclude && options.exclude.has(docs.id(seq) ?? '')));

  /** The papers in most-trending order (ranking.ts; the last tie-break is the paper id). */
  const byTrend = (docs: DocTable, seqs: readonly number[], now: number, gains: Gains): number[] => {
    // Ids are decoded once per paper, and only for papers that tie (whole windows do, without signals).
    const idOf = (item: { seq: number; id?: string }) => (item.id ??= docs.id(item.seq) ?? '');
    const items = seqs.map((seq): { seq: number; day: number; trending: { score: number; attention: number }; id?: string } => ({ seq, day: docs.day(seq), trending: trendingKeyOf(docs.signals(seq), docs.day(seq), now, gainedBy(docs, seq, gains)) }));
    return byTrending(items, (a, b) => compareStrings(idOf(a), idOf(b))).map((k) => k.seq);
  };

  /** Momentum when something was gained in the window, else the signals owned, else newest (app/trending.ts). */
  const basisOf = (docs: DocTable, seqs: readonly number[], gains: Gains): TrendingBasis =>
    trendingBasis(seqs.map((seq) => ({ id: docs.id(seq) ?? '', signals: docs.signals(seq) })), gains);

  const ranked = async (e: SearchEngine, docs: DocTable, seqs: readonly number[], options: ListOptions, now: number, allGains: Gains = null): Promise<Page<PaperCard> & { basis: TrendingBasis }> => {
    const kept = visible(docs, seqs, options);
    const basis = basisOf(docs, kept, allGains);
    const gains = basis === 'momentum' ? allGains : null;
    const order = byTrend(docs, kept, now, gains);
    return { items: await cardsOf(e, docs, order.slice(options.offset, options.offset + options.limit), now, gains), total: order.length, limit: options.limit, offset: options.offset, basis };
  };

  const between = (docs: DocTable, from: string, to: string) => docs.datedBetween(dayOfDate(from), dayOfDate(to));
  const latest = (docs: DocTable, day: string) => dateOfDay(docs.latestDay(dayOfDate(day)));

  return {
    /** Papers in the index (the empty-database notice), without touching the store. */
    async size(): Promise<number> {
      return (await engine()).size;
    },

    /** Papers of the period ranked by trending score (core/trending.ts) at the clock's time. */
    async trending(period: TrendingPeriod, options: ListOptions): Promise<Page<PaperCard> & { window: DateWindow; now: string; basis: TrendingBasis }> {
      const e = await engine();
      const { docs } = e.view();
      const now = deps.clock.now();
      const window = trendingWindow(period, dayOf(now), latest(docs, dayOf(now)));
      return { ...(await ranked(e, docs, between(docs, window.from, window.to), options, now, await gainsOf(window))), window, now: new Date(now).toISOString() };
    },

    /** Papers announced on a day (or in its week or month), most trending first. */
    async daily(date: string | undefined, view: DailyView, options: ListOptions): Promise<Page<PaperCard> & { window: DailyWindow; basis: TrendingBasis }> {
      const e = await engine();
      const { docs } = e.view();
      const now = deps.clock.now();
      const day = date ?? latest(docs, dayOf(now)) ?? dayOf(now);
      const window = dailyWindow(day, view);
      return { ...(await ranked(e, docs, between(docs, window.from, window.to), options, now, await gainsOf(window))), window };
    },

    /** Newest papers first, optionally within dates and categories. */
    async newest(options: ListOptions & { from?: string; to?: string }): Promise<Page<PaperCard>> {
      const e = await engine();
      const { docs } = e.view();
      const now = deps.clock.now();
      const seqs = visible(docs, between(docs, options.from ?? '0000-01-01', options.to ?? '9999-12-31'), options);
      const page: number[] = [];
      for (let i = seqs.length - 1 - options.offset; i >= 0 && page.length < options.limit; i--) page.push(seqs[i]!);
      return { items: await cardsOf(e, docs, page, now), total: seqs.length, limit: options.limit, offset: options.offset };
    },

    /**
     * The newest paper's day when it is more than `staleDays` before the clock's day (the mirror
     * stopped importing), else null: lists and the API say "data as of" that day.
     */
    async dataAsOf(staleDays = 2): Promise<string | null> {
      const now = deps.clock.now();
      const newest = latest((await engine()).view().docs, dayOf(now));
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
      // The API's paper endpoint asks for none: skip the vector search.
      const similar = similarLimit > 0 ? await e.similar(paper.id, similarLimit) : { hits: [], mode: 'lexical' as const };
      const upvotes = await deps.accounts.voteCount(paper.id);
      const { docs } = e.view();
      const seq = docs.seqOf(paper.id);
      if (seq !== undefined && docs.signals(seq).localVotes !== upvotes) e.setLocalVotes(paper.id, upvotes);
      // The breakdown is the week's momentum (the trending page's default period) when the paper gained something in it.
      const now = deps.clock.now();
      const gained = (await gainsOf(trendingWindow('week', dayOf(now), dayOf(now))))?.get(paper.id);
      const [found] = seq === undefined ? [] : await cardsOf(e, docs, [seq], now, gained ? new Map([[paper.id, gained]]) : null);
      return { paper, card: found ?? null, similar: similar.hits, similarMode: similar.mode };
    },

    async cards(ids: readonly string[]): Promise<Map<string, PaperCard>> {
      const e = await engine();
      const { docs } = e.view();
      const seqs = ids.flatMap((id) => {
        const seq = docs.seqOf(id);
        return seq === undefined ? [] : [seq];
      });
      return new Map((await cardsOf(e, docs, seqs, deps.clock.now())).map((c) => [c.id, c]));
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
    /** Puts a paper in (or out of) a list of the reader; its id as stored (the canonical one), null when there is no such paper. */
    async setInList(list: UserList, userId: number, paperId: string, on: boolean): Promise<string | null> {
      const paper = await deps.store.getPaper(paperId);
      if (!paper) return null;
      await deps.accounts.setInList(list, userId, paper.id, on, new Date(deps.clock.now()).toISOString());
      if (list === 'library') deps.trending?.invalidate();
      return paper.id;
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
      const { docs } = e.view();
      const within = between(docs, from, to);
      const allGains = await gainsOf({ from, to });
      const seqs = byTrend(docs, within, deps.clock.now(), basisOf(docs, within, allGains) === 'momentum' ? allGains : null).slice(0, limit);
      const texts = await e.readTexts(seqs);
      return seqs.flatMap((seq) => (texts.has(seq) ? [digestPaper(texts.get(seq)!)] : []));
    },

    /** A topic's matches dated from `from` on, best first (search engine, hybrid when it can). */
    async topicMatches(topic: Pick<Topic, 'kind' | 'query' | 'filters'>, from: string, limit: number): Promise<DigestPaper[]> {
      const e = await engine();
      const request = topic.kind === 'search'
        ? { query: topic.query, ...(topic.filters.categories?.length ? { categories: topic.filters.categories } : {}), ...(topic.filters.author ? { author: topic.filters.author } : {}) }
        : topic.kind === 'category' ? { query: '', categories: [topic.query], sort: 'trending' as const } : { query: '', author: topic.query, sort: 'trending' as const };
      const result = await e.search({ mode: 'hybrid', ...request, from, limit, snippets: false, now: deps.clock.now() });
      const texts = await e.readTexts(result.hits.map((h) => h.docId));
      return result.hits.flatMap((h) => (texts.has(h.docId) ? [digestPaper(texts.get(h.docId)!)] : []));
    },

    hidden(userId: number): Promise<Set<string>> {
      return deps.accounts.allInList('hidden', userId);
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
