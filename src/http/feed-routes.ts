import type { Context, Hono } from 'hono';
import escapeHtml from 'escape-html';
import { Feed } from 'feed';
import { z } from 'zod';
import type { PaperCard } from '../app/catalog.ts';
import { latexToReadableText } from '../core/latex-text.ts';
import { paperUrl } from '../core/paper-url.ts';
import { ApiError, notFound } from './errors.ts';
import { hasSearchInput, searchQuery, searchRequestOf } from './search-params.ts';
import type { AppEnv, Limit } from './security.ts';
import type { HttpServices } from './services.ts';
import { isoDay, queryOf } from './validate.ts';
import { renderWithMath } from './views/math.ts';

type Ctx = Context<AppEnv>;
const FORMATS = { atom: 'application/atom+xml; charset=utf-8', rss: 'application/rss+xml; charset=utf-8', json: 'application/feed+json; charset=utf-8' } as const;
type Format = keyof typeof FORMATS;
const FEED_SIZE = 50;

interface FeedEntry {
  id: string;
  title: string;
  authors: readonly string[];
  categories: readonly string[];
  date: string | null;
  summary: string;
}

/** Atom 1.0, RSS 2.0 and JSON Feed 1.1 for trending, daily and any search (built with `feed`). */
export function registerFeeds(app: Hono<AppEnv>, s: HttpServices, limit: Limit): void {
  const render = (c: Ctx, format: Format, meta: { title: string; description: string; page: string }, entries: FeedEntry[], cacheControl = 'public, max-age=300') => {
    const self = new URL(c.req.url);
    const base = s.options.baseUrl;
    const selfWith = (f: Format) => `${base}${self.pathname.replace(/\.(atom|rss|json)$/, `.${f}`)}${self.search}`;
    const feed = new Feed({
      id: selfWith('atom'), title: meta.title, description: meta.description, link: `${base}${meta.page}`, language: 'en',
      updated: new Date(s.clock.now()), generator: 'Paperboy', copyright: 'Metadata from arXiv (CC0) and the papers\' authors',
      feedLinks: { atom: selfWith('atom'), rss: selfWith('rss'), json: selfWith('json') },
      author: { name: 'Paperboy', link: base },
    });
    // `feed` declares titles (Atom, RSS) and descriptions (all three) as HTML: our plain text is
    // escaped for them, so a title like "<img src=x onerror=...>" stays text in every reader.
    const asHtml = (text: string) => escapeHtml(text);
    for (const e of entries) {
      const url = paperUrl(base, e.id);
      feed.addItem({
        // Titles are text: simple formulas as Unicode letters ($\alpha$ → α), others as TeX.
        id: url, guid: url, link: url, title: format === 'json' ? latexToReadableText(e.title) : asHtml(latexToReadableText(e.title)),
        date: e.date ? new Date(`${e.date.slice(0, 10)}T00:00:00Z`) : new Date(s.clock.now()),
        // HTML content: formulas as MathML, text-mode LaTeX as markup, everything else escaped.
        description: renderWithMath(e.summary),
        // `feed` reads the first author of a list for JSON Feed: an empty list must not be passed.
        ...(e.authors.length ? { author: e.authors.slice(0, 20).map((name) => ({ name })) } : {}),
        category: e.categories.map((name) => ({ name, term: name })),
      });
    }
    const body = format === 'atom' ? feed.atom1() : format === 'rss' ? feed.rss2() : feed.json1();
    return c.body(body, 200, { 'content-type': FORMATS[format], 'cache-control': cacheControl });
  };

  const abstracts = async (cards: readonly { id: string }[]) => {
    const papers = await Promise.all(cards.map((c) => s.store.getPaper(c.id)));
    return papers.map((p) => (p?.abstract ?? '').slice(0, 1200));
  };
  const fromCards = async (cards: PaperCard[]): Promise<FeedEntry[]> => {
    const texts = await abstracts(cards);
    return cards.map((c, i) => ({ id: c.id, title: c.title, authors: c.authors, categories: c.categories, date: c.date, summary: texts[i]! }));
  };

  app.get('/feeds/:file', async (c, next) => {
    const match = /^(trending|daily|search|for-you)\.(atom|rss|json)$/.exec(c.req.param('file'));
    if (!match) throw notFound(`no feed ${c.req.param('file')}: feeds are /feeds/{trending,daily,search}.{atom,rss,json} and your private /feeds/for-you.atom?token=...`);
    const [, kind, format] = match as unknown as [string, 'trending' | 'daily' | 'search' | 'for-you', Format];
    if (kind === 'for-you') {
      // A reader's private feed: the signed token in the URL is the authority (no cookie), until revoked.
      if (!s.forYou) throw notFound('recommendations are not available on this server');
      await limit('search')(c, async () => {}); // each answer ranks a window for the reader
      const token = c.req.query('token');
      if (!token) throw new ApiError(400, 'INVALID_PARAMETER', 'parameter token: missing (the private feed\'s address is on your “For you” page)', { parameter: 'token' });
      const check = await s.forYou.checkFeedToken(token);
      if (!check.ok) {
        throw new ApiError(403, 'FORBIDDEN', check.reason === 'revoked'
          ? 'parameter token: this private feed address was revoked: copy the new one from your “For you” page'
          : 'parameter token: this private feed address is not valid (altered or forged): copy it from your “For you” page', { parameter: 'token' });
      }
      const r = await s.forYou.recommend(check.userId, { days: 7, limit: FEED_SIZE });
      const texts = await abstracts(r.items);
      return render(c, format, { title: 'Paperboy: for you', description: `Papers recommended for you, ${r.summary}`, page: '/for-you' },
        r.items.map((i, n) => ({ id: i.id, title: i.title, authors: i.authors, categories: i.categories, date: i.date, summary: `${i.explanation} (score ${i.score.toFixed(2)}).\n\n${texts[n]!}` })),
        'private, max-age=300');
    }
    if (kind === 'search') {
      await limit('search')(c, async () => {});
      const q = queryOf(c, searchQuery);
      if (!hasSearchInput(q)) throw new ApiError(400, 'INVALID_PARAMETER', 'parameter q: required (or filter by category or author)', { parameter: 'q' });
      const r = await s.catalog.search({ ...searchRequestOf(q), limit: FEED_SIZE, snippets: false });
      const texts = await abstracts(r.hits);
      const page = `/search${new URL(c.req.url).search}`;
      return render(c, format, { title: `Paperboy search: ${q.q || (q.category || []).join(', ') || q.author}`, description: [`Papers matching ${q.q}`, ...r.notices].join('. '), page },
        r.hits.map((h, i) => ({ id: h.id, title: h.title, authors: h.authors, categories: h.categories, date: h.date, summary: texts[i]! })));
    }
    if (kind === 'trending') {
      const q = queryOf(c, z.object({ period: z.enum(['day', 'week', 'month']).default('week') }));
      const r = await s.catalog.trending(q.period, { limit: FEED_SIZE, offset: 0 });
      return render(c, format, { title: r.basis === 'newest' ? `Paperboy: newest papers (${q.period}, no trending signals yet)` : `Paperboy: trending papers (${q.period})`, description: `${r.basis === 'newest' ? 'Newest' : 'Trending'} papers, ${r.window.from} to ${r.window.to}`, page: `/?period=${q.period}` }, await fromCards(r.items));
    }
    const q = queryOf(c, z.object({ date: isoDay.optional(), view: z.enum(['day', 'week', 'month']).default('day') }));
    const r = await s.catalog.daily(q.date, q.view, { limit: FEED_SIZE, offset: 0 });
    void next;
    return render(c, format, { title: `Paperboy: daily papers ${r.window.from}${r.window.to !== r.window.from ? ` to ${r.window.to}` : ''}`, description: 'Papers announced in this period', page: `/daily?date=${r.window.date}&view=${r.window.view}` }, await fromCards(r.items));
  });
}
