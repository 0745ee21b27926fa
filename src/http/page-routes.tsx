import type { Context, Hono } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import { safeNextPath } from '../app/accounts.ts';
import { latexTextToPlain } from '../core/latex-text.ts';
import { lookupPaperId } from '../core/paper-id.ts';
import { pathOf, renderPage } from './render.tsx';
import { hasSearchInput, searchQuery, searchRequestOf } from './search-params.ts';
import type { HttpServices } from './services.ts';
import { ApiError, ID_PATTERN, notFound } from './errors.ts';
import { SESSION_COOKIE, cookieOptions, requestClient, type AppEnv, type Limit } from './security.ts';
import { isoDay, pageParam, parseWith, queryOf, readForm } from './validate.ts';
import { CheckInboxPage, LibraryPage, MessagePage, SignInPage, VerifyPage } from './views/account-pages.tsx';
import type { Viewer } from './views/components.tsx';
import { DailyPage, SearchPage, TrendingPage } from './views/pages.tsx';
import { PaperPage } from './views/paper-page.tsx';

type Ctx = Context<AppEnv>;
const PAGE_SIZE = 25;

async function viewerFor(c: Ctx, s: HttpServices, ids: readonly string[]): Promise<Viewer> {
  const user = c.get('user');
  const state = user ? await s.catalog.readerState(user.id, ids) : { voted: new Set<string>(), saved: new Set<string>() };
  return { user, csrf: c.get('csrfToken'), path: pathOf(c), ...state };
}

/** Card details of the listed papers and the "data as of" day. */
const extrasFor = async (s: HttpServices, ids: readonly string[]) => {
  const [details, dataAsOf] = await Promise.all([s.catalog.details(ids), s.catalog.dataAsOf()]);
  return { details, dataAsOf };
};

const hiddenFor = async (c: Ctx, s: HttpServices) => {
  const user = c.get('user');
  return user ? s.catalog.hidden(user.id) : undefined;
};

const trendingQuery = z.object({ period: z.enum(['day', 'week', 'month']).default('week'), page: pageParam });
const dailyQuery = z.object({ date: isoDay.optional(), view: z.enum(['day', 'week', 'month']).default('day'), page: pageParam });
const listForm = z.object({ on: z.enum(['0', '1']).default('1'), back: z.string().max(2000).optional() });

export function registerPages(app: Hono<AppEnv>, s: HttpServices, limit: Limit) {
  app.get('/', async (c) => {
    const q = queryOf(c, trendingQuery);
    const [result, papers] = await Promise.all([
      s.catalog.trending(q.period, { limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, exclude: await hiddenFor(c, s) }),
      s.catalog.size(),
    ]);
    const ids = result.items.map((i) => i.id);
    const [viewer, extras] = await Promise.all([viewerFor(c, s, ids), extrasFor(s, ids)]);
    return renderPage(c, {
      title: 'Trending papers', description: 'Trending research papers',
      feeds: { atom: `/feeds/trending.atom?period=${q.period}`, rss: `/feeds/trending.rss?period=${q.period}`, json: `/feeds/trending.json?period=${q.period}` },
      children: <TrendingPage viewer={viewer} period={q.period} window={result.window} items={result.items} total={result.total} page={q.page} limit={PAGE_SIZE} papers={papers} extras={extras} dataDir={s.options.dataDir} basis={result.basis} />,
    });
  });

  app.get('/daily', async (c) => {
    const q = queryOf(c, dailyQuery);
    const [result, papers] = await Promise.all([
      s.catalog.daily(q.date, q.view, { limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, exclude: await hiddenFor(c, s) }),
      s.catalog.size(),
    ]);
    const ids = result.items.map((i) => i.id);
    const [viewer, extras] = await Promise.all([viewerFor(c, s, ids), extrasFor(s, ids)]);
    const feedQuery = `date=${result.window.date}&view=${result.window.view}`;
    return renderPage(c, {
      title: `Daily papers ${result.window.date}`,
      feeds: { atom: `/feeds/daily.atom?${feedQuery}`, rss: `/feeds/daily.rss?${feedQuery}`, json: `/feeds/daily.json?${feedQuery}` },
      children: <DailyPage viewer={viewer} window={result.window} items={result.items} total={result.total} page={q.page} limit={PAGE_SIZE} papers={papers} extras={extras} dataDir={s.options.dataDir} />,
    });
  });

  app.get('/search', limit('search'), async (c) => {
    const q = queryOf(c, searchQuery);
    const categories = q.category || [];
    const form = { q: q.q, mode: q.mode, sort: q.sort, category: categories.join(','), from: q.from ?? '', to: q.to ?? '', author: q.author ?? '' };
    const params = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== ''));
    const active = hasSearchInput(q);
    const hidden = await hiddenFor(c, s);
    const result = active
      ? await s.catalog.search({ ...searchRequestOf(q), limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, ...(hidden ? { exclude: hidden } : {}) })
      : null;
    const ids = result?.hits.map((h) => h.id) ?? [];
    const [viewer, extras] = await Promise.all([viewerFor(c, s, ids), extrasFor(s, ids)]);
    const feedQuery = params.toString();
    return renderPage(c, {
      title: q.q ? `Search: ${q.q}` : 'Search', query: q.q, bodyClass: 'search-page',
      ...(active ? { feeds: { atom: `/feeds/search.atom?${feedQuery}`, rss: `/feeds/search.rss?${feedQuery}`, json: `/feeds/search.json?${feedQuery}` } } : {}),
      children: <SearchPage viewer={viewer} form={form} result={result} page={q.page} limit={PAGE_SIZE} params={params} feedQuery={feedQuery} extras={extras} />,
    });
  });

  app.get(`/papers/${ID_PATTERN}`, async (c) => {
    const id = lookupPaperId(c.req.param('id'));
    if (!id) throw new ApiError(400, 'INVALID_PARAMETER', `invalid paper id ${JSON.stringify(c.req.param('id').slice(0, 80))}: use an arXiv id such as 2401.01234`, { parameter: 'id' });
    const found = await s.catalog.paper(id);
    if (!found) throw notFound(`no paper ${id}`);
    s.readers?.view(found.paper.id, requestClient(c, s.options.trustProxy).address, c.req.header('user-agent'));
    const user = c.get('user');
    const [viewer, details] = await Promise.all([viewerFor(c, s, [found.paper.id, ...found.similar.map((h) => h.id)]), s.catalog.details(found.similar.map((h) => h.id))]);
    const hidden = user ? (await s.catalog.hidden(user.id)).has(found.paper.id) : false;
    return renderPage(c, {
      title: latexTextToPlain(found.paper.title), description: latexTextToPlain(found.paper.abstract).slice(0, 200),
      children: <PaperPage viewer={viewer} paper={found.paper} card={found.card} similar={found.similar} similarMode={found.similarMode} similarDetails={details} baseUrl={s.options.baseUrl} hidden={hidden} />,
    });
  });

  // Forms for signed-in readers; each answers with a redirect back (POST/redirect/GET).
  const requireUser = (c: Ctx) => {
    const user = c.get('user');
    if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'sign in first');
    return user;
  };
  const paperParam = (c: Ctx) => {
    const id = lookupPaperId(c.req.param('id') ?? '');
    if (!id) throw new ApiError(400, 'INVALID_PARAMETER', 'invalid paper id', { parameter: 'id' });
    return id;
  };
  app.post(`/papers/${ID_PATTERN}/vote`, limit('votes'), async (c) => {
    const user = requireUser(c);
    const form = parseWith(listForm, await readForm(c), 'field');
    if ((await s.catalog.vote(user.id, paperParam(c), form.on === '1')) === null) throw notFound(`no paper ${paperParam(c)}`);
    return c.redirect(safeNextPath(form.back ?? paperPathOf(c)), 303);
  });
  for (const [action, list] of [['save', 'library'], ['hide', 'hidden'], ['mine', 'mine']] as const) {
    app.post(`/papers/${ID_PATTERN}/${action}`, limit('votes'), async (c) => {
      const user = requireUser(c);
      const form = parseWith(listForm, await readForm(c), 'field');
      if (!(await s.catalog.setInList(list, user.id, paperParam(c), form.on === '1'))) throw notFound(`no paper ${paperParam(c)}`);
      return c.redirect(safeNextPath(form.back ?? paperPathOf(c)), 303);
    });
  }

  app.get('/library', async (c) => {
    const user = c.get('user');
    if (!user) return c.redirect('/signin?next=/library', 303);
    const page = parseWith(z.object({ page: pageParam }), c.req.query()).page;
    const result = await s.catalog.list('library', user.id, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const ids = result.items.map((i) => i.id);
    const [viewer, extras] = await Promise.all([viewerFor(c, s, ids), extrasFor(s, ids)]);
    return renderPage(c, { title: 'Library', children: <LibraryPage viewer={viewer} items={result.items} total={result.total} page={page} limit={PAGE_SIZE} extras={extras} /> });
  });

  // Passwordless sign-in.
  app.get('/signin', (c) => renderPage(c, { title: 'Sign in', children: <SignInPage csrf={c.get('csrfToken')} next={safeNextPath(c.req.query('next'))} /> }));
  app.post('/signin', limit('signIn'), async (c) => {
    const body = await readForm(c);
    const next = safeNextPath(typeof body.next === 'string' ? body.next : undefined);
    const email = z.email().max(254).safeParse(typeof body.email === 'string' ? body.email.trim() : '');
    if (!email.success) {
      return renderPage(c, { title: 'Sign in', children: <SignInPage csrf={c.get('csrfToken')} next={next} error="field email: enter a valid email address" /> }, 400);
    }
    await s.accounts.requestSignIn(email.data, next);
    return renderPage(c, { title: 'Check your inbox', children: <CheckInboxPage /> });
  });
  app.get('/auth/verify', (c) => {
    const token = c.req.query('token') ?? '';
    if (!/^[\w-]{20,100}$/.test(token)) throw new ApiError(400, 'INVALID_PARAMETER', 'parameter token: this sign-in link is malformed; ask for a new one', { parameter: 'token' });
    return renderPage(c, { title: 'Sign in', children: <VerifyPage csrf={c.get('csrfToken')} token={token} /> });
  });
  app.post('/auth/verify', limit('signIn'), async (c) => {
    const body = await readForm(c);
    const token = typeof body.token === 'string' ? body.token : '';
    const signed = /^[\w-]{20,100}$/.test(token) ? await s.accounts.completeSignIn(token) : null;
    if (!signed) {
      return renderPage(c, { title: 'Link expired', children: <MessagePage title="This sign-in link no longer works" message="Sign-in links work once and expire after 20 minutes." action={{ href: '/signin', label: 'Get a new link' }} /> }, 400);
    }
    setCookie(c, SESSION_COOKIE, signed.sessionToken, cookieOptions(c, s.options.trustProxy, Math.floor((Date.parse(signed.expiresAt) - s.clock.now()) / 1000)));
    return c.redirect(signed.nextPath, 303);
  });
  app.post('/signout', async (c) => {
    const token = c.get('sessionToken');
    if (token) await s.accounts.signOut(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });
  app.post('/signout/everywhere', async (c) => {
    const user = requireUser(c);
    const ended = await s.accounts.signOutEverywhere(user.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return renderPage(c, { title: 'Signed out', children: <MessagePage title="Signed out everywhere" message={`${ended} session${ended === 1 ? '' : 's'} ended, on every device.`} action={{ href: '/', label: 'Back to trending' }} /> });
  });
}

function paperPathOf(c: Ctx): string {
  return new URL(c.req.url).pathname.replace(/\/(vote|save|hide)$/, '');
}
