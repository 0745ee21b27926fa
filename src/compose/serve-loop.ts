/**
 * `serve`: listens, composes the web app for the URL it got, and runs what a service runs in the
 * background: the index following the store, embedding of new papers, the digest scheduler and
 * the trending signals' schedules. Of the worker threads of `serve --workers N` only the leader
 * (worker 0) writes the index and embeds (worker-role.ts); one process (or worker) of all those on the
 * database schedules (scheduler.ts).
 */
import { embedPapers } from '../app/search/search-service.ts';
import { startBackgroundLoop } from '../jobs/background-loop.ts';
import type { Services } from './compose-services.ts';
import { Readiness } from './readiness.ts';
import { openSchedulerLock } from './scheduler.ts';
import { everyWorkerReady, tellIndexOpen, tellLeaderReadAhead } from './thread-peers.ts';
import { warmUp } from './warm-up.ts';
import { publicUrl } from './web.ts';

/** How long a request that arrives before the app is composed waits for it before a 503. */
export const STARTING_WAIT_MS = 10_000;

export interface ServeOptions {
  host?: string;
  port?: number;
  /**
   * A worker thread of `serve --workers N` (serve-threads.ts): the main thread listens on this
   * port and hands requests over; this one does not listen and answers through `fetch`.
   */
  handedOver?: { port: number };
}

export interface Serving {
  url: string;
  /** Resolves with the milliseconds from listening to ready. */
  ready: Promise<number>;
  /** Answers one request (what the server calls; the main thread's hand-over too). */
  fetch: (request: Request, env?: unknown) => Promise<Response>;
  stop: () => Promise<void>;
}

export async function startServing(services: Services, { host, port, handedOver }: ServeOptions): Promise<Serving> {
  const { config, logger, role, search, stores } = services;
  const hostname = host ?? config.host;
  const [{ serve: serveHono }, { startDigestScheduler }] = await Promise.all([import('@hono/node-server'), import('../jobs/digest-scheduler.ts')]);
  const mailer = await services.mailer();
  // The app needs the public URL, which needs the port actually bound (port 0 picks one). A request
  // that arrives before the app is composed (a fraction of a second; a worker thread may be handed
  // requests while it composes) waits for it, up to STARTING_WAIT_MS, rather than being refused.
  type App = Awaited<ReturnType<Services['web']>>['app'];
  let app: App | null = null;
  let composed: (app: App | null) => void = () => {};
  const appComposed = new Promise<App | null>((resolve) => (composed = resolve));
  const untilComposed = async (request: Request, env: unknown): Promise<Response> => {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([appComposed, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STARTING_WAIT_MS)))]);
    clearTimeout(timer);
    return waited ? waited.fetch(request, env) : new Response('starting', { status: 503, headers: { 'retry-after': '1' } });
  };
  const fetchApp = async (request: Request, env?: unknown): Promise<Response> => (app ? app.fetch(request, env) : untilComposed(request, env));
  const server = handedOver ? null : await new Promise<ReturnType<typeof serveHono>>((resolve, reject) => {
    const s = serveHono({ fetch: fetchApp, hostname, port: port ?? config.port }, () => resolve(s));
    s.once('error', reject);
  });
  const bound = server ? (server.address() as { port: number }).port : handedOver!.port;
  const closeServer = () => new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  const readiness = new Readiness();
  // A worker that replaces a dead one in a ready instance is ready from its first answer (below).
  if (role.replacement) readiness.close();
  const web = await services.web(publicUrl(config, hostname, bound), mailer, () => readiness.state()).catch(async (error: unknown) => {
    composed(null);
    await closeServer();
    await mailer.close();
    throw error;
  });
  app = web.app;
  composed(app);
  // Build the search index now rather than on the first request; a failed open is retried (and
  // the instance is not ready) until it succeeds.
  let stopping = false;
  let wake = () => {};
  const opening = (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await search.searchService();
      } catch (error) {
        logger.error('search.load_failed', { message: (error as Error).message, attempt });
        if (stopping) throw error;
        // Stopping wakes this wait, so that `stop()` does not sit out a backoff.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt));
          wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    }
  })();
  opening.then(tellIndexOpen, () => undefined);
  // Papers, votes and vectors written by other processes reach the index through the store's
  // change feed; a generation another process wrote is switched to (both checked every second).
  // One process writes the on-disk index: the leader (the others only read it).
  const indexing = startBackgroundLoop('index', async () => {
    const opened = search.opened();
    if (opened) {
      const service = await opened;
      await service.refresh();
      if (role.leader) await service.flush();
    }
    return { more: false };
  }, { logger, intervalMs: 1000 });
  // Only the leader embeds (the other workers pick the vectors up when refreshing); every worker
  // loads the model now, so that its first hybrid search does not wait for it.
  const e = role.leader ? await search.embedder() : (void search.embedder(), null);
  if (!e && !role.clustered) logger.warn('model.unavailable', { message: await search.modelProblem() });
  for (const old of e ? await stores.otherModels(e.modelId) : []) {
    logger.info('model.changed', { model: e!.modelId, previous: old.model, papers: old.papers, message: `${old.papers} papers were embedded with ${old.model}; re-embedding them with ${e!.modelId}` });
  }
  // Embedding starts once the index is open: its first round reads every paper's text (seconds
  // at 75k) and would otherwise hold up the first searches.
  const embedLoop = () =>
    startBackgroundLoop('embed', async () => {
      const result = await embedPapers({ store: stores.papers, embedder: e! }, { limit: 128 });
      if (result.embedded > 0) logger.info('embed.progress', { model: e!.modelId, ...result });
      return { more: result.remaining > 0 };
    }, { logger, intervalMs: 60_000 });
  // Ready (GET /readyz) once the index is open and read ahead, the model loaded and the request paths
  // warmed up; with several worker threads, once every worker is. A worker that replaces a dead one in a ready
  // instance reports ready at once (its siblings serve meanwhile) and warms up all the same.
  const index = opening.then(() => search.readAhead());
  if (role.leader) index.finally(tellLeaderReadAhead).catch(() => undefined);
  const model = search.embedder();
  const own = Promise.allSettled([index, model]).then(async () => {
    if (stopping) return;
    const result = await warmUp(web.app, { hybrid: (await model.catch(() => null)) !== null, stopped: () => stopping });
    if (result.failed > 0) logger.warn('serve.warm_up_failed', { ...result });
    else logger.info('serve.warmed_up', { requests: result.requests });
  });
  if (!role.replacement) {
    readiness.wait('index', index);
    readiness.wait('model', model);
    readiness.wait('warm-up', own);
    if (role.clustered) readiness.wait('workers', everyWorkerReady(own));
  }
  readiness.close();
  const embedding = e
    ? opening.then(() => (stopping ? null : embedLoop()), () => null)
    : null;
  // The schedules (digests; Hugging Face and GitHub signals) run in one process of all those on the
  // database: worker 0 on SQLite, the advisory lock's holder on PostgreSQL (scheduler.ts).
  const lock = openSchedulerLock(config, role, logger, services.schedulerRetryMs !== undefined ? { retryMs: services.schedulerRetryMs } : {});
  lock.whileLeading(() => {
    const digestsJob = config.digest.schedule !== 'off' ? startDigestScheduler(web.digests, { cron: config.digest.schedule, logger }) : null;
    const signalJobs = services.signals.startSchedules();
    return { stop: async () => { await Promise.all([digestsJob?.stop(), signalJobs.stop()]); } };
  });
  // Reader counts are flushed by every process.
  const readers = services.signals.startReaders();
  return {
    url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${bound}`,
    ready: readiness.whenReady.then(() => readiness.state().readyAfterMs ?? 0),
    fetch: fetchApp,
    stop: async () => {
      stopping = true;
      wake();
      await Promise.all([embedding?.then((loop) => loop?.stop()), indexing.stop(), lock.close(), readers.stop(), own]);
      await closeServer();
      await web.mail.close();
      await mailer.close();
      await search.closeModel();
    },
  };
}
