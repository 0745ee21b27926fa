/** The services the CLI's commands call (cli/context.ts), over the composed stores and services. */
import { join } from 'node:path';
import { createOaiHttpClient } from '../adapters/arxiv/oai-http-client.ts';
import { readBeir } from '../adapters/beir/read-beir.ts';
import { createVectorFileCache } from '../adapters/embedding/vector-file-cache.ts';
import { createThreadedSourceOpener } from '../adapters/formats/threaded-source.ts';
import { harvest } from '../app/harvest.ts';
import { importFiles } from '../app/import-files.ts';
import { evaluateSearch } from '../app/search/evaluate.ts';
import { recommendPapers } from '../app/recommend.ts';
import { DEFAULT_RECS_EVAL, evaluateRecommendations, loadEvalPapers, TEXT_ONLY_METHODS } from '../app/recommend-eval.ts';
import { PaperboyError } from '../core/errors.ts';
import { embedPapers } from '../app/search/search-service.ts';
import type { CliServices } from '../cli/context.ts';
import type { Services } from './compose-services.ts';
import { migrateStore } from './migrate-store.ts';
import { startServing } from './serve-loop.ts';
import { publicUrl } from './web.ts';

export function cliServices(services: Services): CliServices {
  const { config, clock, logger, search, stores, signals, userAgent } = services;
  const store = stores.papers;
  return {
    dataDir: config.dataDir,
    starter: { file: services.starterFile, onFirstStart: config.starter === 'on' },
    search: async (request) => (await (request.mode === 'lexical' ? search.indexService() : search.searchService())).engine.search(request),
    // The index without the model: recommendations read stored vectors only.
    recommend: async (request) => recommendPapers((await search.indexService()).engine, request),
    evalRecs: async (options) => {
      const model = search.modelId();
      if (!model) throw new PaperboyError('INVALID_REQUEST', `eval-recs reads the embeddings of the configured model, and there is none: ${await search.modelProblem()}`);
      const textOnly = (options.methods ?? DEFAULT_RECS_EVAL.methods).every((m) => TEXT_ONLY_METHODS.includes(m));
      const { papers, withoutVector, undated } = await loadEvalPapers(store, model, textOnly);
      return { model, textOnly, withoutVector, undated, ...evaluateRecommendations(papers, { ...DEFAULT_RECS_EVAL, now: () => performance.now(), ...options }) };
    },
    similar: async (id, limit) => {
      const { engine } = await search.searchService();
      const found = engine.docIdOf(id.replace(/v\d+$/, '')) !== undefined;
      return { found, ...(await engine.similar(id.replace(/v\d+$/, ''), limit)) };
    },
    embed: async ({ limit, onProgress }) => {
      const e = await search.embedder();
      if (!e) return null;
      const previous = await stores.otherModels(e.modelId);
      const result = await embedPapers({ store, embedder: e }, { ...(limit ? { limit } : {}), ...(onProgress ? { onProgress: (p) => onProgress(p.done, p.total) } : {}) });
      await search.updateIndex();
      return { model: e.modelId, previous, ...result };
    },
    evaluate: async (dir, split, variants, onProgress) => {
      const dataset = readBeir(dir, split);
      const e = await search.embedder();
      const rows = await evaluateSearch({ embedder: e, cache: createVectorFileCache(join(config.dataDir, 'cache', 'eval')), ...(onProgress ? { onProgress } : {}) }, dataset, variants);
      return { rows, model: e?.modelId ?? null, queries: dataset.queries.length, documents: dataset.corpus.length };
    },
    modelProblem: search.modelProblem,
    harvestDefaults: { sets: config.harvest.sets, metadataPrefix: config.harvest.metadataPrefix, baseUrl: config.harvest.baseUrl },
    importFiles: async (paths, options) => {
      const report = await importFiles({ store, sources: createThreadedSourceOpener(), clock, logger }, paths, options);
      await search.updateIndex();
      return report;
    },
    harvest: (options) => {
      const source = createOaiHttpClient({
        baseUrl: config.harvest.baseUrl, clock, logger, userAgent,
        minIntervalMs: config.harvest.minIntervalMs, timeoutMs: config.harvest.timeoutMs, maxAttempts: config.harvest.maxAttempts,
        backoffBaseMs: config.harvest.backoffBaseMs,
      });
      return harvest({ store, source, clock, logger }, { initialDays: config.harvest.initialDays, ...options }).finally(search.updateIndex);
    },
    harvestHf: (options) => signals.harvestHf(options),
    stats: () => store.stats(),
    // Every paper written takes a change sequence number (migration 8), deleted ones included.
    everHeldPapers: async () => (await store.lastChangeSeq()) > 0,
    index: async ({ rebuild }) => {
      const service = await search.indexService();
      // An index just built because it was missing is not built a second time.
      if (rebuild && service.status().rebuilt === null) await service.rebuild('asked for (--rebuild)');
      else await service.flush({ force: true });
      return { dir: search.indexDir, bytes: search.bytes(), model: search.modelId(), ...service.status() };
    },
    digestRun: async (opts) => {
      const mailer = await services.mailer();
      try {
        const baseUrl = publicUrl(config, config.host, config.port);
        if (!config.baseUrl) {
          logger.warn('digest.base_url_unset', { baseUrl, message: `PAPERBOY_BASE_URL is not set: links in digests point at ${baseUrl}; set it to the public URL of your Paperboy server` });
        }
        const { digests } = await services.digests(baseUrl, mailer);
        const planned = await digests.plan(opts);
        const sent = opts.dryRun ? { sent: 0, retried: 0, failed: 0 } : await digests.send();
        return { ...planned, ...sent };
      } finally {
        await mailer.close();
      }
    },
    serve: (options) => startServing(services, options),
    listen: { host: config.host, port: config.port },
    indexDir: search.indexDir,
    migrateStore: (to, options) => migrateStore(stores, to, options),
    close: services.close,
  };
}
