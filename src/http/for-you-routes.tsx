import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { PaperCard } from '../app/catalog.ts';
import { ApiError, notFound } from './errors.ts';
import { pathOf, renderPage } from './render.tsx';
import type { AppEnv, Limit } from './security.ts';
import type { HttpServices } from './services.ts';
import { queryOf, readForm } from './validate.ts';
import { ForYouPage, MyPapersAdded } from './views/for-you-page.tsx';

type Ctx = Context<AppEnv>;
const forYouQuery = z.object({ days: z.enum(['1', '7']).default('7'), sort: z.enum(['score', 'newest']).default('score') });
const PAGE_SIZE = 25;
const STARTERS = 10;
/** Hidden papers and "my papers" listed on the page (latest first). */
const RATED_SHOWN = 50;

/**
 * "My papers" takes a BibTeX file: the one file field of the form, and a body limit of its own
 * (a real .bib with abstracts is well past the 64 KiB of other forms; create-app.ts applies it).
 */
export const MY_PAPERS_UPLOAD = { path: '/for-you/my-papers', textFiles: ['bibtexFile'], maxBytes: 1024 * 1024 } as const;

/** The private feed's address for a token (feed-routes.ts serves it). */
export const privateFeedPath = (token: string) => `/feeds/for-you.atom?token=${encodeURIComponent(token)}`;

/** "For you" (docs/recommendations.md, Surfaces): the page, the cold start, "my papers", the private feed's address. */
export function registerForYou(app: Hono<AppEnv>, s: HttpServices, limit: Limit): void {
  const service = () => {
    if (!s.forYou) throw notFound('recommendations are not available on this server');
    return s.forYou;
  };
  const requireUser = (c: Ctx) => {
    const user = c.get('user');
    if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'sign in first');
    return user;
  };

  app.get('/for-you', limit('search'), async (c) => {
    const user = c.get('user');
    if (!user) return c.redirect(`/signin?next=${encodeURIComponent(pathOf(c))}`, 303);
    const forYou = service();
    const q = queryOf(c, forYouQuery);
    const view = { days: Number(q.days) as 1 | 7, sort: q.sort };
    const [result, rated, token] = await Promise.all([forYou.recommend(user.id, { days: view.days, limit: PAGE_SIZE, sort: view.sort }), forYou.rated(user.id), forYou.feedToken(user.id)]);
    // Until there are enough likes, papers to rate (the cold start): this week's trending ones, or
    // the newest when those are all recommended already or the week has none (older data); never
    // one the reader rated already (liked or hidden).
    const recommended = new Set(result.items.map((i) => i.id));
    const pick = { limit: STARTERS + recommended.size, offset: 0, exclude: rated };
    const fresh = (papers: PaperCard[]) => papers.filter((p) => !recommended.has(p.id)).slice(0, STARTERS);
    let starters = result.fewRatings ? fresh((await s.catalog.trending('week', pick)).items) : [];
    if (result.fewRatings && starters.length === 0) starters = fresh((await s.catalog.newest(pick)).items);
    const ids = [...result.items.map((i) => i.id), ...starters.map((p) => p.id)];
    const [cards, details, dataAsOf, state, hidden, mine] = await Promise.all([
      s.catalog.cards(ids), s.catalog.details(ids), s.catalog.dataAsOf(), s.catalog.readerState(user.id, ids),
      s.catalog.list('hidden', user.id, RATED_SHOWN, 0), s.catalog.list('mine', user.id, RATED_SHOWN, 0),
    ]);
    const viewer = { user, csrf: c.get('csrfToken'), path: pathOf(c), ...state };
    c.header('cache-control', 'private, no-store'); // the reader's ratings and private feed address
    return renderPage(c, {
      title: 'For you', description: 'Papers recommended for you',
      children: <ForYouPage viewer={viewer} result={result} view={view} cards={cards} extras={{ details, dataAsOf }} starters={starters} feedUrl={`${s.options.baseUrl}${privateFeedPath(token)}`} hidden={hidden} mine={mine} />,
    });
  });

  // Pasted ids and an uploaded BibTeX file are read each on its own (one may be a list, the other BibTeX).
  app.post(MY_PAPERS_UPLOAD.path, limit('votes'), async (c) => {
    const user = requireUser(c);
    const forYou = service();
    const form = await readForm(c, { textFiles: MY_PAPERS_UPLOAD.textFiles });
    const texts = [form.papers, form.bibtexFile].filter((t): t is string => typeof t === 'string' && t.trim() !== '');
    if (texts.length === 0) throw new ApiError(400, 'INVALID_PARAMETER', 'field papers: paste arXiv ids or a BibTeX file (or choose a .bib file)', { parameter: 'papers' });
    return renderPage(c, { title: 'Your papers', children: <MyPapersAdded result={await forYou.addMyPapers(user.id, texts)} /> });
  });

  app.post('/for-you/feed', limit('preferences'), async (c) => {
    const user = requireUser(c);
    await service().renewFeedToken(user.id);
    return c.redirect('/for-you#feed', 303);
  });
}
