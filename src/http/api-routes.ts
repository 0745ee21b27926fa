import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { PaperCard } from '../app/catalog.ts';
import type { SearchHit } from '../app/search/search-engine.ts';
import { bibtex } from '../core/bibtex.ts';
import { lookupPaperId } from '../core/paper-id.ts';
import { paperUrl } from '../core/paper-url.ts';
import type { UserList } from '../ports/account-store.ts';
import * as S from './api-schemas.ts';
import { ApiError, ID_PATTERN, notFound } from './errors.ts';
import { hasSearchInput, searchQuery, searchRequestOf } from './search-params.ts';
import type { AppEnv, Limit, RateLimitName } from './security.ts';
import type { HttpServices } from './services.ts';
import { categoryList, isoDay, limitParam, pageParam, parseWith, queryOf, readJson } from './validate.ts';

type Ctx = Context<AppEnv>;

/** One API route: its schemas feed validation, the handler's response type and the OpenAPI document. */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI-style path: /api/papers/{id}. */
  path: string;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status?: 200 | 202;
  signedIn?: boolean;
  limit?: RateLimitName;
  handler: (c: Ctx, input: { query: Record<string, unknown>; body: unknown; id: string; s: HttpServices }) => Promise<unknown>;
}

const pageQuery = { limit: limitParam(), page: pageParam };
const paged = <T>(items: T[], total: number, page: number, limit: number, dataAsOf: string | null) => ({ items, total, page, limit, nextPage: page * limit < total ? page + 1 : null, dataAsOf });

const cardBody = (s: HttpServices, c: PaperCard) => ({ ...c, authors: [...c.authors], categories: [...c.categories], url: paperUrl(s.options.baseUrl, c.id) });
const hitBody = (s: HttpServices, h: SearchHit) => ({
  id: h.id, title: h.title, authors: [...h.authors], categories: [...h.categories], date: h.date, upvotes: h.signals.localVotes ?? 0,
  hfUpvotes: h.signals.hfUpvotes ?? null, score: h.score, snippet: h.snippet, explanation: h.explanation, url: paperUrl(s.options.baseUrl, h.id),
});

const user = (c: Ctx) => {
  const u = c.get('user');
  if (!u) throw new ApiError(401, 'UNAUTHORIZED', 'sign in first (POST /api/auth/sign-in, then follow the emailed link)');
  return u;
};

const LIST_PATHS = { library: 'library', hidden: 'hidden', mine: 'my-papers' } as const;
const LIST_NAMES = { library: 'library', hidden: 'hidden papers ("not interested")', mine: '"my papers" (likes for recommendations)' } as const;
const listRoutes = (list: UserList): ApiRoute[] =>
  (['put', 'delete'] as const).map((method) => ({
    method, path: `/api/${LIST_PATHS[list]}/{id}`, tag: 'readers', signedIn: true, limit: 'votes' as const,
    summary: `${method === 'put' ? 'Add a paper to' : 'Remove a paper from'} your ${LIST_NAMES[list]}`,
    response: S.ListChangeBody,
    handler: async (c, { id, s }) => {
      if (!(await s.catalog.setInList(list, user(c).id, id, method === 'put'))) throw notFound(`no paper ${id}`);
      return { id, list, on: method === 'put' };
    },
  }));

export const API_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/api/papers', tag: 'papers', summary: 'Papers, newest first',
    query: z.object({ ...pageQuery, category: categoryList.optional(), from: isoDay.optional(), to: isoDay.optional() }),
    response: S.PageBody(S.PaperCardBody),
    handler: async (_c, { query: q, s }) => {
      const { limit, page } = q as { limit: number; page: number };
      const result = await s.catalog.newest({ limit, offset: (page - 1) * limit, ...(q.category ? { categories: q.category as string[] } : {}), ...(q.from ? { from: q.from as string } : {}), ...(q.to ? { to: q.to as string } : {}) });
      return paged(result.items.map((i) => cardBody(s, i)), result.total, page, limit, await s.catalog.dataAsOf());
    },
  },
  {
    method: 'get', path: '/api/papers/{id}', tag: 'papers', summary: 'One paper, with upvotes, trending breakdown and BibTeX',
    response: S.PaperBody,
    handler: async (_c, { id, s }) => {
      const found = await s.catalog.paper(id, 0);
      if (!found) throw notFound(`no paper ${id}`);
      const p = found.paper;
      return {
        ...p, upvotes: found.card?.upvotes ?? 0, trending: found.card?.trending ?? null, url: paperUrl(s.options.baseUrl, p.id),
        bibtex: bibtex({ id: p.id, title: p.title, authors: p.authors, date: p.announcedAt ?? p.submittedAt, primaryCategory: p.primaryCategory, doi: p.doi, ...(p.links.abs ? { url: p.links.abs } : {}) }),
      };
    },
  },
  {
    method: 'get', path: '/api/papers/{id}/similar', tag: 'papers', summary: 'Papers similar to one paper (by embedding; by words when it has none)',
    query: z.object({ limit: limitParam(50, 10) }), response: S.SimilarBody,
    handler: async (_c, { id, query, s }) => {
      const found = await s.catalog.paper(id, query.limit as number);
      if (!found) throw notFound(`no paper ${id}`);
      return { id, mode: found.similarMode, items: found.similar.map((h) => hitBody(s, h)) };
    },
  },
  {
    method: 'get', path: '/api/search', tag: 'search', summary: 'Search: hybrid (default), keyword (lexical) or semantic, with filters and explanations', limit: 'search',
    query: searchQuery.omit({ page: true }).extend({ ...pageQuery, fusion: z.enum(['convex', 'rrf']).optional(), alpha: z.coerce.number().min(0).max(1).optional() }),
    response: S.SearchBody,
    handler: async (c, { query, s }) => {
      const q = query as z.infer<typeof searchQuery> & { limit: number; fusion?: 'convex' | 'rrf'; alpha?: number };
      if (!hasSearchInput(q)) throw new ApiError(400, 'INVALID_PARAMETER', 'parameter q: required (or filter by category or author)', { parameter: 'q' });
      const hidden = c.get('user') ? await s.catalog.hidden(c.get('user')!.id) : undefined;
      const r = await s.catalog.search({
        ...searchRequestOf(q), limit: q.limit, offset: (q.page - 1) * q.limit,
        ...(q.fusion ? { fusion: q.fusion } : {}), ...(q.alpha !== undefined ? { alpha: q.alpha } : {}), ...(hidden ? { exclude: hidden } : {}),
      });
      return { query: r.query, mode: r.mode, fusion: r.fusion, ...paged(r.hits.map((h) => hitBody(s, h)), r.total, q.page, q.limit, await s.catalog.dataAsOf()), months: r.months, notices: r.notices };
    },
  },
  {
    method: 'get', path: '/api/trending', tag: 'papers', summary: 'Trending papers of the day, week or month',
    query: z.object({ ...pageQuery, period: z.enum(['day', 'week', 'month']).default('week'), category: categoryList.optional() }),
    response: S.TrendingBody,
    handler: async (_c, { query: q, s }) => {
      const { limit, page } = q as { limit: number; page: number };
      const r = await s.catalog.trending(q.period as 'day', { limit, offset: (page - 1) * limit, ...(q.category ? { categories: q.category as string[] } : {}) });
      return { period: q.period, from: r.window.from, to: r.window.to, now: r.now, basis: r.basis, ...paged(r.items.map((i) => cardBody(s, i)), r.total, page, limit, await s.catalog.dataAsOf()) };
    },
  },
  {
    method: 'get', path: '/api/daily', tag: 'papers', summary: 'Papers announced on a day (default: the latest day with papers), or its week or month',
    query: z.object({ ...pageQuery, date: isoDay.optional(), view: z.enum(['day', 'week', 'month']).default('day') }),
    response: S.DailyBody,
    handler: async (_c, { query: q, s }) => {
      const { limit, page } = q as { limit: number; page: number };
      const r = await s.catalog.daily(q.date as string | undefined, q.view as 'day', { limit, offset: (page - 1) * limit });
      const w = r.window;
      return { date: w.date, view: w.view, from: w.from, to: w.to, previous: w.previous, next: w.next, ...paged(r.items.map((i) => cardBody(s, i)), r.total, page, limit, await s.catalog.dataAsOf()) };
    },
  },
  {
    method: 'get', path: '/api/daily_papers', tag: 'compatibility', summary: "Hugging Face's /api/daily_papers shape: papers of a day by upvotes (p is the 0-based page)",
    query: z.object({ date: isoDay.optional(), limit: limitParam(100, 50), p: z.coerce.number().int().min(0).max(10_000).default(0) }),
    response: S.HfDailyBody,
    handler: async (_c, { query: q, s }) => {
      const limit = q.limit as number;
      const r = await s.catalog.daily(q.date as string | undefined, 'day', { limit, offset: (q.p as number) * limit });
      const papers = await Promise.all(r.items.map((i) => s.store.getPaper(i.id)));
      return r.items.map((i, k) => {
        const p = papers[k];
        const publishedAt = p?.submittedAt ?? `${i.date ?? r.window.date}T00:00:00.000Z`;
        return {
          paper: {
            id: i.id, authors: i.authors.map((name) => ({ name })), publishedAt, title: i.title, summary: p?.abstract ?? '',
            upvotes: i.upvotes + (i.hfUpvotes ?? 0),
            ...(p?.links.code ? { githubRepo: p.links.code } : {}), ...(i.githubStars !== null ? { githubStars: i.githubStars } : {}), ...(p?.links.project ? { projectPage: p.links.project } : {}),
          },
          publishedAt, title: i.title, summary: p?.abstract ?? '', numComments: 0,
        };
      });
    },
  },
  {
    method: 'get', path: '/api/session', tag: 'readers', summary: 'Who is signed in, and the CSRF token that state-changing requests must send as x-csrf-token',
    response: S.SessionBody,
    handler: async (c) => {
      const u = c.get('user');
      return { user: u ? { email: u.email, createdAt: u.createdAt } : null, csrfToken: c.get('csrfToken') };
    },
  },
  {
    method: 'post', path: '/api/auth/sign-in', tag: 'readers', summary: 'Email a single-use sign-in link (the answer is the same whether or not the address is known)', limit: 'signIn',
    body: z.object({ email: z.email('must be an email address').max(254), next: z.string().max(2000).optional() }),
    response: S.AcceptedBody, status: 202,
    handler: async (_c, { body, s }) => {
      const b = body as { email: string; next?: string };
      await s.accounts.requestSignIn(b.email, b.next);
      return { status: 'accepted', message: 'if the address can receive mail, a sign-in link is on its way' };
    },
  },
  {
    method: 'post', path: '/api/subscriptions', tag: 'digests', summary: 'Subscribe an address to the daily digest (double opt-in: a confirmation mail is sent; the answer never says whether the address is known)', limit: 'subscribe',
    body: z.object({ email: z.email('must be an email address').max(254) }),
    response: S.AcceptedBody, status: 202,
    handler: async (c, { body, s }) => {
      s.digests.subscribe((body as { email: string }).email, {}, c.get('user'));
      return { status: 'accepted', message: 'if the address can receive mail, a confirmation link is on its way' };
    },
  },
  ...(['post', 'delete'] as const).map((method): ApiRoute => ({
    method, path: '/api/papers/{id}/vote', tag: 'readers', signedIn: true, limit: 'votes',
    summary: method === 'post' ? 'Upvote a paper (once per reader)' : 'Take your upvote back',
    response: S.VoteBody,
    handler: async (c, { id, s }) => {
      const upvotes = await s.catalog.vote(user(c).id, id, method === 'post');
      if (upvotes === null) throw notFound(`no paper ${id}`);
      return { id, voted: method === 'post', upvotes };
    },
  })),
  {
    method: 'get', path: '/api/library', tag: 'readers', summary: 'Your saved papers, latest first', signedIn: true,
    query: z.object(pageQuery), response: S.LibraryBody,
    handler: async (c, { query: q, s }) => {
      const { limit, page } = q as { limit: number; page: number };
      const r = await s.catalog.list('library', user(c).id, limit, (page - 1) * limit);
      return paged(r.items.map((i) => cardBody(s, i)), r.total, page, limit, await s.catalog.dataAsOf());
    },
  },
  ...listRoutes('library'),
  ...listRoutes('hidden'),
  ...listRoutes('mine'),
  {
    method: 'get', path: '/api/recommendations', tag: 'readers', signedIn: true, limit: 'search',
    summary: 'Papers of the last days ranked for you: learned from the papers you saved, upvoted or added as your own (likes) and hid or marked "not interested" (dislikes), each with the liked papers closest to it',
    query: z.object({ limit: limitParam(100, 20), days: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(31, 'must be at most 31').default(7), sort: z.enum(['score', 'newest']).default('score') }),
    response: S.RecommendationsBody,
    handler: async (c, { query: q, s }) => {
      if (!s.forYou) throw notFound('recommendations are not available on this server');
      const r = await s.forYou.recommend(user(c).id, q as { days: number; limit: number; sort: 'score' | 'newest' });
      return { ...r, items: r.items.map((i) => ({ ...i, authors: [...i.authors], categories: [...i.categories], url: paperUrl(s.options.baseUrl, i.id) })) };
    },
  },
  {
    method: 'get', path: '/api/stats', tag: 'papers', summary: 'Corpus statistics', response: S.StatsBody,
    handler: async (_c, { s }) => s.store.stats(),
  },
];

/** Registers the routes on the app with validation, rate limits and JSON answers. */
export function registerApi(app: Hono<AppEnv>, s: HttpServices, limit: Limit): void {
  for (const route of API_ROUTES) {
    const honoPath = route.path.replace('{id}', ID_PATTERN);
    const handlers = [
      ...(route.limit ? [limit(route.limit)] : []),
      async (c: Ctx) => {
        let id = '';
        if (route.path.includes('{id}')) {
          const raw = c.req.param('id') ?? '';
          const found = lookupPaperId(raw);
          if (!found) throw new ApiError(400, 'INVALID_PARAMETER', `parameter id: ${JSON.stringify(raw.slice(0, 80))} is not a paper id; use an arXiv id such as 2401.01234`, { parameter: 'id' });
          id = found;
        }
        if (route.signedIn) user(c);
        const query = route.query ? queryOf(c, route.query) : {};
        let body: unknown;
        if (route.body) {
          body = parseWith(route.body, await readJson(c), 'field');
        }
        return c.json(await route.handler(c, { query, body, id, s }) as object, route.status ?? 200);
      },
    ];
    app.on(route.method.toUpperCase(), [honoPath], ...handlers);
  }
}
