import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { registerDigestRoutes } from './digest-routes.tsx';
import { isPaperboyError } from '../core/errors.ts';
import { API_ROUTES, registerApi } from './api-routes.ts';
import { ApiError } from './errors.ts';
import { registerFeeds } from './feed-routes.ts';
import { MY_PAPERS_UPLOAD, registerForYou } from './for-you-routes.tsx';
import { openApiDocument } from './openapi.ts';
import { registerPages } from './page-routes.tsx';
import { renderPage } from './render.tsx';
import { csrf, isWarmUp, rateLimiter, sessions, type AppEnv } from './security.ts';
import type { HttpServices } from './services.ts';
import { MessagePage } from './views/account-pages.tsx';

const ASSETS: Record<string, string> = { 'app.css': 'text/css; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'icon.svg': 'image/svg+xml' };

/** Content-Security-Policy: only our own scripts and styles, no inline code, no framing. */
const CSP = {
  defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
  formAction: ["'self'"], baseUri: ["'none'"], frameAncestors: ["'none'"], manifestSrc: ["'self'"],
};

/** The routes that take a file (their path, file fields and body limit). */
const UPLOADS: readonly { path: string; textFiles: readonly string[]; maxBytes: number }[] = [MY_PAPERS_UPLOAD];

const wantsJson = (c: Context) => c.req.path.startsWith('/api/') || c.req.path === '/healthz' || c.req.path === '/readyz' || (c.req.header('accept') ?? '').startsWith('application/json');

/**
 * The HTTP application, created without listening so that tests call `app.request()` in-process:
 * pages, the JSON API under /api, feeds under /feeds, /healthz and /readyz.
 */
export function createApp(services: HttpServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const assets = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(`../../public/${name}`, import.meta.url), 'utf8')]));
  const limit = rateLimiter(services.options.rateLimits, services.options.trustProxy, () => services.clock.now(), services.options.rateLimitStore);

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    if (isWarmUp(c)) return;
    services.logger.info('http.request', {
      requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  app.use(secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin', crossOriginEmbedderPolicy: false }));
  // Every body is limited; an upload route (a file field) has its own, larger limit and the only
  // file fields readForm accepts (validate.ts), for the route and for the CSRF check alike.
  const formLimit = bodyLimit({
    maxSize: services.options.maxBodyBytes,
    onError: () => { throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body larger than ${services.options.maxBodyBytes} bytes`); },
  });
  const uploads = new Map(UPLOADS.map((u) => [u.path, { ...u, limit: bodyLimit({
    maxSize: u.maxBytes,
    onError: () => { throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `field ${u.textFiles.join(', ')}: the file is too large (the whole form may be at most ${u.maxBytes / 1024} KiB)`, { parameter: u.textFiles[0] }); },
  }) }]));
  app.use(async (c, next) => {
    const upload = c.req.method === 'POST' ? uploads.get(c.req.path) : undefined;
    c.set('textFiles', upload?.textFiles ?? []);
    return (upload?.limit ?? formLimit)(c, next);
  });

  // Load balancers poll this: the paper count (a 3 ms index scan at 75k papers) is read at most
  // every 5 s, and that read is also the check that the database answers.
  let health: { papers: number; at: number } | null = null;
  const paperCount = async () => {
    const now = services.clock.now();
    if (!health || now - health.at >= 5000 || now < health.at) health = { papers: await services.store.countPapers(), at: now };
    return health.papers;
  };
  app.get('/healthz', async (c) => c.json({ status: 'ok', version: services.version, papers: await paperCount() }));
  // Load balancers route traffic to an instance while this answers 200: once the start-up work that
  // would otherwise hold up its first hybrid searches is done (compose/readiness.ts), and as long as
  // its database answers (the same cached read as /healthz).
  app.get('/readyz', async (c) => {
    const state = services.readiness?.() ?? { ready: true, waiting: [] };
    c.header('Cache-Control', 'no-store');
    if (!state.ready) return c.json({ status: 'starting', waiting: state.waiting }, 503);
    try {
      await paperCount();
    } catch (error) {
      services.logger.warn('readyz.database', { message: (error as Error).message });
      return c.json({ status: 'unavailable', waiting: ['database'] }, 503);
    }
    return c.json({ status: 'ready' });
  });
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    const body = assets.get(name);
    if (!body) throw new ApiError(404, 'NOT_FOUND', `no asset ${name}`);
    return c.body(body, 200, { 'content-type': ASSETS[name]!, 'cache-control': 'public, max-age=3600' });
  });
  app.get('/favicon.ico', (c) => c.redirect('/assets/icon.svg', 301));
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(API_ROUTES, { version: services.version, baseUrl: services.options.baseUrl })));

  app.use(sessions(services.accounts));
  app.use(csrf(services.options.secret, services.options.trustProxy));
  registerApi(app, services, limit);
  registerFeeds(app, services, limit);
  registerDigestRoutes(app, services, limit);
  registerPages(app, services, limit);
  registerForYou(app, services, limit);

  app.notFound((c) => {
    const message = `no route for ${c.req.method} ${c.req.path}`;
    if (wantsJson(c)) return c.json({ error: { code: 'NOT_FOUND', message } }, 404);
    return renderPage(c, { title: 'Not found', children: MessagePage({ title: 'Not found', message, action: { href: '/', label: 'Trending papers' } }) }, 404);
  });
  app.onError((error, c) => {
    let status = 500 as 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500;
    let body: { code: string; message: string; parameter?: string; requestId?: string };
    if (error instanceof ApiError) {
      status = error.status as typeof status;
      body = { code: error.code, message: error.message, ...(typeof error.details.parameter === 'string' ? { parameter: error.details.parameter } : {}) };
    } else if (error instanceof HTTPException) {
      status = error.status as typeof status;
      body = { code: status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message: error.message || 'bad request' };
    } else if (isPaperboyError(error, 'NOT_FOUND')) {
      status = 404;
      body = { code: 'NOT_FOUND', message: error.message };
    } else if (error instanceof SyntaxError || isPaperboyError(error, 'INVALID_ID')) {
      status = 400;
      body = { code: 'BAD_REQUEST', message: error.message };
    } else {
      services.logger.error('http.error', { requestId: c.get('requestId'), message: (error as Error).message, stack: (error as Error).stack });
      body = { code: 'INTERNAL', message: 'internal error', requestId: c.get('requestId') };
    }
    if (wantsJson(c) || c.req.path.startsWith('/feeds/')) return c.json({ error: body }, status);
    const title = status === 404 ? 'Not found' : status === 429 ? 'Slow down' : status >= 500 ? 'Something went wrong' : 'That did not work';
    return renderPage(c, { title, children: MessagePage({ title, message: body.message + (body.requestId ? ` (request ${body.requestId})` : ''), action: { href: '/', label: 'Trending papers' } }) }, status === 401 ? 403 : status === 405 || status === 415 ? 400 : status);
  });
  return app;
}
