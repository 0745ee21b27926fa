/**
 * The embedding model and the search index, composed lazily: the model loads once, on first use
 * (commands that do not search never pay for it), and a lexical search opens the index without
 * waiting for the model.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fetchModel } from '../adapters/embedding/model-fetch.ts';
import { hasModel } from '../adapters/embedding/onnx-embedder.ts';
import { loadThreadedEmbedder, type ThreadedEmbedder } from '../adapters/embedding/threaded-embedder.ts';
import { createIndexDirectory } from '../adapters/index-files/writer-thread.ts';
import { createUsearchAnn } from '../adapters/vector/usearch-ann.ts';
import { createSearchService, type SearchService } from '../app/search/search-service.ts';
import type { Config } from '../config/load-config.ts';
import { DEFAULT_MODEL } from '../config/models.ts';
import type { Clock } from '../ports/clock.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';

interface SearchDeps {
  config: Config;
  store: PaperStore;
  clock: Clock;
  logger: Logger;
  /** 'service': `serve` (one bulk embedding thread, keeping a core for HTTP); 'command': one-off commands (notices on stderr). */
  purpose: 'service' | 'command';
  /** Use this embedder (null: none) instead of the model in `config.modelDir` (tests). */
  embedder?: Embedder | null;
  /** 'memory': nothing is written under <dataDir>/index (in-process tests). Default 'files'. */
  index?: 'files' | 'memory';
  /** Awaited before the search service opens the index (a `serve` worker thread waiting for its leader). */
  beforeOpen?: () => Promise<void>;
}

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

export function composeSearch(deps: SearchDeps) {
  const { config, store, clock, logger, purpose } = deps;
  const given = deps.embedder !== undefined;

  // The model loads lazily, once.
  let embedderPromise: Promise<ThreadedEmbedder | null> | undefined;
  let downloadProblem: string | null = null;
  const loadModel = () =>
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
      const loaded = await loadThreadedEmbedder(config.modelDir, { queryThreads: 1, bulkThreads: purpose === 'service' ? 1 : 2, settings: spec.settings, logger }).catch((error: Error) => {
        logger.warn('model.load_failed', { dir: config.modelDir, message: error.message });
        return null;
      });
      // A service's first queries should not pay for the runtime's first inference (its memory
      // arenas and kernels are set up then: hundreds of ms): one query is embedded at load.
      if (loaded && purpose === 'service') await loaded.embedQuery('paperboy').catch(() => undefined);
      return loaded;
    })());
  const embedder = (): Promise<Embedder | null> => (given ? Promise.resolve(deps.embedder ?? null) : loadModel());
  /** The model whose vectors the index holds without loading it: the given embedder's, else read from its folder. */
  const indexModel = () => (given ? {} : { model: modelIdentity(config.modelDir) });

  // The search index lives on disk under the data directory (docs/search.md): every process opens
  // the same files; whoever holds its lock writes new generations.
  const indexDir = join(config.dataDir, 'index');
  // Writes and merges on a thread of their own: a flush in `serve` never holds requests.
  const directory = deps.index === 'memory' ? undefined : createIndexDirectory(indexDir, { postingsCacheBytes: config.index.postingsCacheMb * 1048576, warmPostings: purpose === 'service', vectorCacheBytes: config.index.vectorCacheMb * 1048576 });
  const onRebuild = purpose === 'command' && directory
    ? (reason: string) => process.stderr.write(`paperboy: building the search index in ${indexDir} (${reason}); later commands open it at once\n`)
    : undefined;
  const indexDeps = { store, logger, ...(directory ? { directory } : {}), ...(onRebuild ? { onRebuild } : {}) };
  const now = () => clock.now();

  const modelProblem = async () =>
    (await embedder())
      ? null
      : given
        ? 'no embedding model'
        : hasModel(config.modelDir)
          ? `the embedding model in ${config.modelDir} failed to load (see the log)`
          : `no embedding model in ${config.modelDir}${downloadProblem ? ` (download failed: ${downloadProblem})` : ''}; run \`npm run model:fetch${config.model === DEFAULT_MODEL ? '' : ` -- ${config.model}`}\` or set PAPERBOY_MODEL_DIR`;
  /**
   * The installed model as the index and the engine see it before it has loaded: its id and
   * dimensions from its folder, its fusion settings from the model catalog; queries wait for the
   * model. The index opens (and lexical searches run) while the model loads. Null without a model
   * on disk (the first use may then download it: that path waits for the model).
   */
  const modelBeforeLoad = (): Embedder | null => {
    const identity = given ? null : modelIdentity(config.modelDir);
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
  /** The index with the model (semantic and hybrid searches, similar papers, `serve`). */
  const searchService = () =>
    (searchPromise ??= retryable(
      (async () => {
        await deps.beforeOpen?.();
        return modelBeforeLoad() ?? (await embedder());
      })().then(async (e) => {
        // A model that failed to load still names the index's vectors (the index stays the same one).
        const service = createSearchService({ ...indexDeps, embedder: e, ...(e ? {} : indexModel()) }, { ann: (dims) => createUsearchAnn(dims), now });
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
        const service = createSearchService({ ...indexDeps, embedder: null, ...indexModel() }, { now });
        await service.refresh();
        return service;
      })(),
      () => (indexPromise = undefined),
    ));

  return {
    indexDir,
    embedder,
    modelProblem,
    searchService,
    indexService,
    /** The index with the model once something asked for it, else undefined (serve's refresh loop). */
    opened: () => searchPromise,
    /** The id of the model in `config.modelDir`, without loading it. */
    modelId: () => (given ? deps.embedder?.modelId ?? null : modelIdentity(config.modelDir)?.modelId ?? null),
    /** Settles when the index files opened last have been read ahead (a service's first open reads them through). */
    readAhead: () => directory?.readAhead() ?? Promise.resolve(),
    /** Bytes of the files in the index folder (0 when it does not exist). */
    bytes: () => directoryBytes(indexDir),
    /**
     * After a command that changed papers or vectors: write what changed into the on-disk index now,
     * so that the next search opens it instead of catching up. Skipped while another process writes it.
     */
    updateIndex: async () => {
      if (directory) await (await indexService()).flush({ force: true });
    },
    /** Closes the indexes that were opened, then the model's threads. */
    close: async () => {
      for (const pending of [searchPromise, indexPromise]) await (await pending?.catch(() => null))?.close();
    },
    closeModel: async () => {
      await (await embedderPromise)?.close();
    },
  };
}

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
