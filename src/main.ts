/**
 * Composition root: the one place that knows the concrete adapters. Builds the services from the
 * configuration and hands them to the CLI.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { createOaiHttpClient } from './adapters/arxiv/oai-http-client.ts';
import { createThreadedSourceOpener } from './adapters/formats/threaded-source.ts';
import { readBeir } from './adapters/beir/read-beir.ts';
import { fetchModel } from './adapters/embedding/model-fetch.ts';
import { hasModel } from './adapters/embedding/onnx-embedder.ts';
import { loadThreadedEmbedder, type ThreadedEmbedder } from './adapters/embedding/threaded-embedder.ts';
import { createVectorFileCache } from './adapters/embedding/vector-file-cache.ts';
import { createJsonLogger } from './adapters/json-logger.ts';
import { createUsearchAnn } from './adapters/vector/usearch-ann.ts';
import { createSqlitePaperStore } from './adapters/sqlite/paper-store.ts';
import { createSqliteAccountStore } from './adapters/sqlite/account-store.ts';
import { createLogMailer } from './adapters/mail/log-mailer.ts';
import { createSqliteMailLog } from './adapters/sqlite/mail-log.ts';
import { createAccountService } from './app/accounts.ts';
import { createMailQueue } from './app/mail-queue.ts';
import { createSqliteSubscriptionStore } from './adapters/sqlite/subscription-store.ts';
import { createCatalog } from './app/catalog.ts';
import { createSignalServices } from './signal-wiring.ts';
import type { Embedder } from './ports/embedder.ts';
import type { Mailer } from './ports/mailer.ts';
import type { IndexDirectory } from './ports/search-index.ts';
import { createIndexDirectory } from './adapters/index-files/writer-thread.ts';
import type { Config } from './config/load-config.ts';
import { harvest } from './app/harvest.ts';
import { importFiles } from './app/import-files.ts';
import { evaluateSearch } from './app/search/evaluate.ts';
import { createSearchService, embedPapers, type SearchService } from './app/search/search-service.ts';
import { EXIT, type CliContext, type CliServices, type GlobalOptions } from './cli/context.ts';
import { createProgram } from './cli/program.ts';
import { loadConfig } from './config/load-config.ts';
import { DEFAULT_MODEL } from './config/models.ts';
import { describeError, isPaperboyError } from './core/errors.ts';
import { parseTrustedProxies } from './core/trusted-proxies.ts';
import { startBackgroundLoop } from './jobs/background-loop.ts';
import { systemClock } from './ports/clock.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL_DIR = fileURLToPath(new URL('..', import.meta.url));

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * A lazily opened service whose opening failed (index folder unreadable, disk full) is opened again
 * by the next caller instead of failing every request until a restart: `forget` drops the cached
 * promise when this one rejects.
 */
function retryable<T>(opening: Promise<T>, forget: () => void): Promise<T> {
  return opening.catch((error: unknown) => {
    forget();
    throw error;
  });
}

async function openServices(globals: GlobalOptions, purpose: 'service' | 'command' = 'command'): Promise<CliServices> {
  const config = loadConfig({
    env: process.env,
    ...(globals.config ? { file: globals.config } : {}),
    overrides: { ...(globals.data ? { dataDir: globals.data } : {}), ...(globals.model ? { model: globals.model } : {}) },
    installDir: INSTALL_DIR,
  });
  const logger = createJsonLogger({ level: config.logLevel ?? (purpose === 'service' ? 'info' : 'warn'), write: (line) => process.stderr.write(line) });
  const clock = systemClock;
  const store = createSqlitePaperStore(config.dbFile);
  const userAgent = `Paperboy/${VERSION} (self-hosted paper discovery${config.harvest.contactEmail ? `; mailto:${config.harvest.contactEmail}` : ''})`;

  // The model loads lazily, once: commands that do not search never pay for it.
  let embedderPromise: Promise<ThreadedEmbedder | null> | undefined;
  let downloadProblem: string | null = null;
  const embedder = () =>
    (embedderPromise ??= (async () => {
      const spec = config.modelSpec;
      if (!hasModel(config.modelDir) && config.modelDownload && spec.source.kind === 'archive') {
        // First use on a machine with internet: fetch the model's pinned archive into modelDir, once
        // (the same sha256-checked download as `npm run model:fetch`).
        try {
          const source = config.modelUrl ? { ...spec.source, url: config.modelUrl } : spec.source;
          await fetchModel({ ...spec, source }, config.modelDir, { log: (line) => logger.info('model.download', { model: spec.name, message: line }) });
        } catch (error) {
          downloadProblem = (error as Error).message;
          logger.warn('model.download_failed', { model: spec.name, message: downloadProblem });
        }
      }
      if (!hasModel(config.modelDir)) return null;
      // The model runs in worker threads, off the event loop: queries on one thread, bulk embedding
      // on another that yields to queries. Serving keeps a core for HTTP (one bulk thread); the CLI's
      // `embed` and `eval` serve nobody and use both cores.
      return loadThreadedEmbedder(config.modelDir, { queryThreads: 1, bulkThreads: purpose === 'service' ? 1 : 2, settings: spec.settings, logger }).catch((error: Error) => {
        logger.warn('model.load_failed', { dir: config.modelDir, message: error.message });
        return null;
      });
    })());
  // The search index lives on disk under the data directory (docs/search.md): every process opens
  // the same files; whoever holds its lock writes new generations.
  const indexDir = join(config.dataDir, 'index');
  const directory = openIndexDirectory(indexDir, config.index.postingsCacheMb);
  const onRebuild = purpose === 'command'
    ? (reason: string) => process.stderr.write(`paperboy: building the search index in ${indexDir} (${reason}); later commands open it at once\n`)
    : undefined;
  /**
   * The installed model as the index and the engine see it before it has loaded: its id and
   * dimensions from its folder, its fusion settings from the model catalog; queries wait for the
   * model. The index opens (and lexical searches run) while the model loads. Null without a model
   * on disk (the first use may then download it: that path waits for the model).
   */
  const modelBeforeLoad = (): Embedder | null => {
    const identity = modelIdentity(config.modelDir);
    if (!identity) return null;
    const loaded = async () => {
      const e = await embedder();
      if (!e) throw new Error((await modelProblem()) ?? 'the embedding model failed to load');
      return e;
    };
    const { minRelevance, fusion } = config.modelSpec.settings;
    return {
      modelId: identity.modelId, dims: identity.dims, minRelevance, fusion,
      embedQuery: async (text) => (await loaded()).embedQuery(text),
      embedDocuments: async (texts) => (await loaded()).embedDocuments(texts),
    };
  };
  let searchPromise: Promise<SearchService> | undefined;
  const searchService = () =>
    (searchPromise ??= retryable(
      (async () => modelBeforeLoad() ?? (await embedder()))().then(async (e) => {
        // A model that failed to load still names the index's vectors (the index stays the same one).
        const service = createSearchService({ store, embedder: e, ...(e ? {} : { model: modelIdentity(config.modelDir) }), logger, ...(directory ? { directory } : {}), ...(onRebuild ? { onRebuild } : {}) }, { ann: (dims) => createUsearchAnn(dims) });
        await service.refresh();
        return service;
      }),
      () => (searchPromise = undefined),
    ));
  /**
   * The index without the model (lexical searches, `paperboy index`, the end of an import): the
   * model's id and dimensions are read from its folder, so the index stays the same one, and a
   * lexical search does not pay for loading the model.
   */
  let indexPromise: Promise<SearchService> | undefined;
  const indexService = () =>
    searchPromise ??
    (indexPromise ??= retryable(
      (async () => {
        const service = createSearchService({ store, embedder: null, model: modelIdentity(config.modelDir), logger, ...(directory ? { directory } : {}), ...(onRebuild ? { onRebuild } : {}) });
        await service.refresh();
        return service;
      })(),
      () => (indexPromise = undefined),
    ));
  /**
   * After a command that changed papers or vectors: write what changed into the on-disk index now,
   * so that the next search opens it instead of catching up. Skipped while another process writes it.
   */
  const updateIndex = async () => {
    if (directory) await (await indexService()).flush({ force: true });
  };
  const modelProblem = async () =>
    (await embedder())
      ? null
      : hasModel(config.modelDir)
        ? `the embedding model in ${config.modelDir} failed to load (see the log)`
        : `no embedding model in ${config.modelDir}${downloadProblem ? ` (download failed: ${downloadProblem})` : ''}; run \`npm run model:fetch${config.model === DEFAULT_MODEL ? '' : ` -- ${config.model}`}\` or set PAPERBOY_MODEL_DIR`;
  /** Papers embedded with another model and not yet with `modelId`: a model switch re-embeds them. */
  const otherModels = (modelId: string) =>
    store.db.prepare(
      `SELECT e.model, COUNT(*) AS papers FROM paper_embeddings e
        WHERE e.model <> ? AND NOT EXISTS (SELECT 1 FROM paper_embeddings c WHERE c.paper_seq = e.paper_seq AND c.model = ?)
        GROUP BY e.model ORDER BY papers DESC`,
    ).all(modelId, modelId) as { model: string; papers: number }[];

  const signalServices = createSignalServices({ config, store, clock, logger, userAgent });
  const starterFile = join(INSTALL_DIR, 'starter', 'arxiv-starter.jsonl.gz');
  return {
    dataDir: config.dataDir,
    starter: { file: existsSync(starterFile) ? starterFile : null, onFirstStart: config.starter === 'on' },
    search: async (request) => (await (request.mode === 'lexical' ? indexService() : searchService())).engine.search(request),
    similar: async (id, limit) => {
      const { engine } = await searchService();
      const found = engine.docIdOf(id.replace(/v\d+$/, '')) !== undefined;
      return { found, ...(await engine.similar(id.replace(/v\d+$/, ''), limit)) };
    },
    embed: async ({ limit, onProgress }) => {
      const e = await embedder();
      if (!e) return null;
      const previous = otherModels(e.modelId);
      const result = await embedPapers({ store, embedder: e }, { ...(limit ? { limit } : {}), ...(onProgress ? { onProgress: (p) => onProgress(p.done, p.total) } : {}) });
      await updateIndex();
      return { model: e.modelId, previous, ...result };
    },
    evaluate: async (dir, split, variants, onProgress) => {
      const dataset = readBeir(dir, split);
      const e = await embedder();
      const rows = await evaluateSearch({ embedder: e, cache: createVectorFileCache(join(config.dataDir, 'cache', 'eval')), ...(onProgress ? { onProgress } : {}) }, dataset, variants);
      return { rows, model: e?.modelId ?? null, queries: dataset.queries.length, documents: dataset.corpus.length };
    },
    modelProblem,
    harvestDefaults: { sets: config.harvest.sets, metadataPrefix: config.harvest.metadataPrefix, baseUrl: config.harvest.baseUrl },
    importFiles: async (paths, options) => {
      const report = await importFiles({ store, sources: createThreadedSourceOpener(), clock, logger }, paths, options);
      await updateIndex();
      return report;
    },
    harvest: (options) => {
      const source = createOaiHttpClient({
        baseUrl: config.harvest.baseUrl, clock, logger, userAgent,
        minIntervalMs: config.harvest.minIntervalMs, timeoutMs: config.harvest.timeoutMs, maxAttempts: config.harvest.maxAttempts,
        backoffBaseMs: config.harvest.backoffBaseMs,
      });
      return harvest({ store, source, clock, logger }, { initialDays: config.harvest.initialDays, ...options }).finally(updateIndex);
    },
    harvestHf: (options) => signalServices.harvestHf(options),
    stats: () => store.stats(),
    index: async ({ rebuild }) => {
      const service = await indexService();
      // An index just built because it was missing is not built a second time.
      if (rebuild && service.status().rebuilt === null) await service.rebuild('asked for (--rebuild)');
      else await service.flush({ force: true });
      return { dir: indexDir, bytes: directoryBytes(indexDir), model: modelIdentity(config.modelDir)?.modelId ?? null, ...service.status() };
    },
    digestRun: async (opts) => {
      const mailer = await createMailer(config, logger);
      const { createDigestService } = await import('./app/digests.ts');
      try {
        const baseUrl = publicUrl(config, config.host, config.port);
        if (!config.baseUrl) {
          logger.warn('digest.base_url_unset', { baseUrl, message: `PAPERBOY_BASE_URL is not set: links in digests point at ${baseUrl}; set it to the public URL of your Paperboy server` });
        }
        const catalog = createCatalog({ store, accounts: createSqliteAccountStore(store.db), search: searchService, clock, trending: signalServices.trending });
        const mail = mailQueue(config, mailer, store.db, logger);
        const digests = createDigestService({ subscriptions: createSqliteSubscriptionStore(store.db), catalog, mailer, mail, clock, logger, secret: config.secret ?? loadSecret(config.dataDir), baseUrl }, await digestOptions(config, baseUrl));
        const planned = await digests.plan(opts);
        const sent = opts.dryRun ? { sent: 0, retried: 0, failed: 0 } : await digests.send();
        return { ...planned, ...sent };
      } finally {
        await mailer.close();
      }
    },
    serve: async ({ host, port }) => {
      const hostname = host ?? config.host;
      // The web layer, mail and digests load here, not at start-up: one-off commands (a search, an
      // import) do not pay for modules they never use.
      const [{ serve: serveHono }, { createApp }, { RATE_LIMIT_DEFAULTS }, { createDigestService }, { startDigestScheduler }] = await Promise.all([
        import('@hono/node-server'), import('./http/create-app.ts'), import('./http/security.ts'), import('./app/digests.ts'), import('./jobs/digest-scheduler.ts'),
      ]);
      const mailer = await createMailer(config, logger);
      const accountStore = createSqliteAccountStore(store.db);
      const secret = config.secret ?? loadSecret(config.dataDir);
      // The app needs the public URL, which needs the port actually bound (port 0 picks one).
      let app: ReturnType<typeof createApp> | null = null;
      const server = await new Promise<ReturnType<typeof serveHono>>((resolve, reject) => {
        const s = serveHono({ fetch: (request, env) => (app ? app.fetch(request, env) : new Response('starting', { status: 503 })), hostname, port: port ?? config.port }, () => resolve(s));
        s.once('error', reject);
      });
      const bound = (server.address() as { port: number }).port;
      const baseUrl = publicUrl(config, hostname, bound);
      // Mail that requests trigger goes out after the answer, through one queue with caps.
      const mail = mailQueue(config, mailer, store.db, logger);
      const accounts = createAccountService({ accounts: accountStore, mail, clock, logger, baseUrl });
      const catalog = createCatalog({ store, accounts: accountStore, search: searchService, clock, trending: signalServices.trending });
      const subscriptions = createSqliteSubscriptionStore(store.db);
      const digests = createDigestService({ subscriptions, catalog, mailer, mail, clock, logger, secret, baseUrl }, await digestOptions(config, baseUrl));
      if (config.trustProxy) {
        logger.warn('config.deprecated', { setting: 'PAPERBOY_TRUST_PROXY', trustedProxies: config.trustedProxies, message: 'PAPERBOY_TRUST_PROXY is deprecated: alone it means PAPERBOY_TRUSTED_PROXIES=1 (one proxy hop); set PAPERBOY_TRUSTED_PROXIES instead (docs/web.md)' });
      }
      app = createApp({
        store, catalog, accounts, digests, clock, logger, version: VERSION, ...(signalServices.readers ? { readers: signalServices.readers } : {}),
        options: { baseUrl, secret, trustProxy: parseTrustedProxies(config.trustedProxies), rateLimits: config.rateLimits ? RATE_LIMIT_DEFAULTS : null, maxBodyBytes: 64 * 1024, dataDir: config.dataDir },
      });
      // Build the search index now rather than on the first request.
      void searchService().catch((error: Error) => logger.error('search.load_failed', { message: error.message }));
      // Papers, votes and vectors written by other processes reach the index through the store's
      // change feed; a generation another process wrote is switched to (both checked every second).
      // One process writes the on-disk index: worker 0 when clustered (the others only read it).
      const clustered = process.env.PAPERBOY_WORKER_INDEX !== undefined;
      const writer = !clustered || process.env.PAPERBOY_WORKER_INDEX === '0';
      const indexing = startBackgroundLoop('index', async () => {
        if (searchPromise) {
          const service = await searchPromise;
          await service.refresh();
          if (writer) await service.flush();
        }
        return { more: false };
      }, { logger, intervalMs: 1000 });
      // With several workers, only worker 0 embeds (the others pick the vectors up when refreshing).
      const e = clustered && process.env.PAPERBOY_WORKER_INDEX !== '0' ? null : await embedder();
      if (!e && !clustered) logger.warn('model.unavailable', { message: await modelProblem() });
      for (const old of e ? otherModels(e.modelId) : []) {
        logger.info('model.changed', { model: e!.modelId, previous: old.model, papers: old.papers, message: `${old.papers} papers were embedded with ${old.model}; re-embedding them with ${e!.modelId}` });
      }
      // Embedding starts once the index is open: its first round reads every paper's text (seconds
      // at 75k) and would otherwise hold up the first searches.
      const embedLoop = () =>
        startBackgroundLoop('embed', async () => {
          const result = await embedPapers({ store, embedder: e! }, { limit: 128 });
          if (result.embedded > 0) logger.info('embed.progress', { model: e!.modelId, ...result });
          return { more: result.remaining > 0 };
        }, { logger, intervalMs: 60_000 });
      let stopping = false;
      const embedding = e
        ? searchService().then(() => (stopping ? null : embedLoop()), () => (stopping ? null : embedLoop()))
        : null;
      // Digests: planned and sent on a schedule inside the service (worker 0 only when clustered).
      const scheduler = config.digest.schedule !== 'off' && (!clustered || process.env.PAPERBOY_WORKER_INDEX === '0')
        ? startDigestScheduler(digests, { cron: config.digest.schedule, logger })
        : null;
      // Trending signals: HF daily papers and GitHub stars on their schedules (worker 0 only when clustered), reader counts flushed every minute.
      const signalJobs = signalServices.start({ scheduled: !clustered || process.env.PAPERBOY_WORKER_INDEX === '0' });
      return {
        url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${bound}`,
        stop: async () => {
          stopping = true;
          await Promise.all([embedding?.then((loop) => loop?.stop()), indexing.stop(), scheduler?.stop(), signalJobs.stop()]);
          await new Promise<void>((done) => server.close(() => done()));
          await mail.close();
          await mailer.close();
          await (await embedderPromise)?.close();
        },
      };
    },
    close: async () => {
      for (const pending of [searchPromise, indexPromise]) await (await pending?.catch(() => null))?.close();
      await store.close();
    },
  };
}

/** The on-disk index folder, scored with the engine's BM25F fields. */
function openIndexDirectory(dir: string, postingsCacheMb: number): IndexDirectory {
  // Writes and merges on a thread of their own: a flush in `serve` never holds requests.
  return createIndexDirectory(dir, { postingsCacheBytes: postingsCacheMb * 1048576 });
}

/** Bytes of the files in the index folder (0 when it does not exist). */
function directoryBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((sum, name) => {
    try {
      return sum + statSync(join(dir, name)).size;
    } catch {
      return sum;
    }
  }, 0);
}

/**
 * Id and dimensions of the model in `modelDir`, from its paperboy-model.json, without loading it
 * (the same id the loaded model reports: onnx-embedder.ts); null when there is none.
 */
function modelIdentity(modelDir: string): { modelId: string; dims: number } | null {
  try {
    const manifest = JSON.parse(readFileSync(join(modelDir, 'paperboy-model.json'), 'utf8')) as { id?: string; variant?: string; dims?: number };
    if (!manifest.id || !manifest.dims || !hasModel(modelDir)) return null;
    return { modelId: `${manifest.id}${manifest.variant ? `@${manifest.variant}` : ''}`, dims: manifest.dims };
  } catch {
    return null;
  }
}

async function digestOptions(config: Config, baseUrl: string) {
  const { DIGEST_DEFAULTS } = await import('./app/digests.ts');
  return {
    ...DIGEST_DEFAULTS,
    ratePerMinute: config.digest.ratePerMinute,
    leaseMs: config.digest.leaseMs,
    unsubscribeMailto: config.digest.unsubscribeMailto ?? `unsubscribe@${new URL(baseUrl).hostname}`,
  };
}

function mailQueue(config: Config, mailer: Mailer, db: Parameters<typeof createSqliteMailLog>[0], logger: ReturnType<typeof createJsonLogger>) {
  return createMailQueue(
    { mailer, log: createSqliteMailLog(db), clock: systemClock, logger },
    { capacity: config.mail.queueSize, concurrency: 2, perAddressPerHour: config.mail.perAddressPerHour, perHour: config.mail.perHour },
  );
}

/** The public URL: configured (behind a proxy), else where we listen. */
function publicUrl(config: Config, hostname: string, port: number): string {
  return config.baseUrl ?? `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

async function createMailer(config: Config, logger: ReturnType<typeof createJsonLogger>): Promise<Mailer> {
  const smtp = config.smtp;
  if (!smtp.host) return createLogMailer(logger, smtp.from);
  const { createSmtpMailer } = await import('./adapters/mail/smtp-mailer.ts');
  return createSmtpMailer({
    host: smtp.host, port: smtp.port, secure: smtp.secure, requireTls: smtp.requireTls, rejectUnauthorized: smtp.rejectUnauthorized,
    from: smtp.from, maxConnections: smtp.maxConnections, ...(smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : {}),
  });
}

/** The server secret: generated once (256 random bits) into <dataDir>/secret, readable only by us. */
function loadSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Runs the CLI and returns the exit status (0 ok, 1 some records rejected, 2 usage or fatal error). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const ctx: CliContext = { stdout: process.stdout, stderr: process.stderr, openServices, untilSignal };
  let exit: number = EXIT.OK;
  const program = createProgram(ctx, (code) => { exit = code; }, VERSION);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.OK : EXIT.FATAL;
    }
    if (isPaperboyError(error)) process.stderr.write(`paperboy: ${error.message}\n`);
    else process.stderr.write(`paperboy: unexpected error: ${describeError(error)}\n${(error as Error).stack ?? ''}\n`);
    return EXIT.FATAL;
  }
}
