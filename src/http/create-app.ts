import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { isPaperboyError } from '../core/errors.ts';
import { parsePaperId } from '../core/paper-id.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';

export interface HttpServices {
  store: PaperStore;
  logger: Logger;
  version: string;
}

/**
 * The HTTP application, created without listening so that tests call `app.request()` in-process.
 * For now: health, statistics and papers by id; the web pages and the full API build on it.
 */
export function createApp(services: HttpServices): Hono {
  const app = new Hono();
  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    services.logger.info('http.request', {
      requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  app.get('/healthz', async (c) => c.json({ status: 'ok', version: services.version, papers: await services.store.countPapers() }));
  app.get('/api/stats', async (c) => c.json(await services.store.stats()));
  app.get('/api/papers/:id{.+}', async (c) => {
    const raw = c.req.param('id');
    const parsed = parsePaperId(raw);
    if (!parsed) throw new HTTPException(400, { message: `invalid paper id ${JSON.stringify(raw.slice(0, 80))}: use an arXiv id such as 2401.01234` });
    const paper = await services.store.getPaper(parsed.id);
    if (!paper) throw new HTTPException(404, { message: `no paper ${parsed.id}` });
    return c.json(paper);
  });

  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ error: { code: error.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message: error.message } }, error.status);
    }
    if (isPaperboyError(error, 'NOT_FOUND')) return c.json({ error: { code: error.code, message: error.message } }, 404);
    services.logger.error('http.error', { requestId: c.get('requestId'), message: (error as Error).message, stack: (error as Error).stack });
    return c.json({ error: { code: 'INTERNAL', message: 'internal error', requestId: c.get('requestId') } }, 500);
  });
  return app;
}
