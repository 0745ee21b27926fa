/**
 * The composition root: the one place that knows the concrete adapters. `composeServices` opens the
 * store the configuration names and builds every service on it; main.ts (the CLI and `serve`) and
 * the tests compose through it (docs/composition.md). Heavy parts stay lazy: the embedding model
 * loads on first use, the web layer and the digest code when a caller asks for them, and nothing
 * is scheduled until `serve` starts (serve-loop.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonLogger } from '../adapters/json-logger.ts';
import type { Config } from '../config/load-config.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import { INSTALL_DIR, VERSION } from './install.ts';
import { createMailer } from './mail.ts';
import { composeSearch } from './search.ts';
import { leaderIndexOpened } from './thread-peers.ts';
import { loadSecret } from './secret.ts';
import { createSignalServices } from './signals.ts';
import { openStores } from './stores.ts';
import type { ReadinessState } from './readiness.ts';
import { composeDigests, composeWeb, type Tuning, type WebDeps } from './web.ts';
import { SOLE_PROCESS, type WorkerRole } from './worker-role.ts';

/** How long a worker thread other than the leader waits for the leader's index before opening its own anyway. */
export const LEADER_INDEX_WAIT_MS = 120_000;

export interface ComposeOptions {
  /** 'service' (`serve`): log level info, one bulk embedding thread. 'command' (default): log level warn, notices on stderr. */
  purpose?: 'service' | 'command';
  /** Which `serve` process this is (default: a process alone); main.ts reads it from the environment. */
  role?: WorkerRole;
  /** Test seams: each defaults to the real one the configuration describes. */
  clock?: Clock;
  logger?: Logger;
  /** Instead of the SMTP (or log) mailer of `config.smtp`. */
  mailer?: Mailer;
  /** Instead of the model in `config.modelDir` (null: no model). */
  embedder?: Embedder | null;
  /** 'memory': the search index is not written under <dataDir>/index. */
  index?: 'files' | 'memory';
  /** The version the service reports (default: package.json's). */
  version?: string;
  tuning?: Tuning;
  /** PostgreSQL: how often a standby tries the scheduler lock (default 5 s; adapters/postgres/scheduler-lock.ts). */
  schedulerRetryMs?: number;
}

/** Opens the store and builds the services for `config`. Nothing runs in the background until `serve` (serve-loop.ts). */
export async function composeServices(config: Config, options: ComposeOptions = {}) {
  const purpose = options.purpose ?? 'command';
  const role = options.role ?? SOLE_PROCESS;
  const version = options.version ?? VERSION;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createJsonLogger({ level: config.logLevel ?? (purpose === 'service' ? 'info' : 'warn'), write: (line) => process.stderr.write(line) });
  const stores = await openStores(config, clock);
  const userAgent = `Paperboy/${version} (self-hosted paper discovery${config.harvest.contactEmail ? `; mailto:${config.harvest.contactEmail}` : ''})`;
  // A worker thread of `serve --workers N` other than the leader opens the index once the leader has
  // opened it and read it ahead, and shares what the leader read instead of reading it again
  // (adapters/index-files/thread-share.ts); a replacement opens at once (its siblings hold it all).
  const follower = role.clustered && !role.leader && !role.replacement;
  const search = composeSearch({
    config, store: stores.papers, clock, logger, purpose,
    ...(follower ? { beforeOpen: () => leaderIndexOpened(LEADER_INDEX_WAIT_MS) } : {}),
    ...(options.embedder !== undefined ? { embedder: options.embedder } : {}), ...(options.index ? { index: options.index } : {}),
  });
  const tuning = options.tuning ?? {};
  const signals = createSignalServices({ config, store: stores.papers, signals: stores.signals, clock, logger, userAgent }, tuning.trending ? { trending: tuning.trending } : {});
  let secret: string | undefined;
  const web: WebDeps = {
    config, stores, clock, logger, search: search.searchService, trending: signals.trending, readers: signals.readers, version,
    secret: () => (secret ??= config.secret ?? loadSecret(config.dataDir)),
    tuning,
  };
  const starterFile = join(INSTALL_DIR, 'starter', 'arxiv-starter.jsonl.gz');
  return {
    config, role, clock, logger, userAgent, stores, search, signals,
    ...(options.schedulerRetryMs !== undefined ? { schedulerRetryMs: options.schedulerRetryMs } : {}),
    /** The bundled starter corpus, null when the installation lacks it. */
    starterFile: existsSync(starterFile) ? starterFile : null,
    /** The configured mailer (or the one given); its owner closes it. */
    mailer: (): Promise<Mailer> => (options.mailer ? Promise.resolve(options.mailer) : createMailer(config, logger)),
    /** The catalog, mail queue and digest service for links to `baseUrl`. */
    digests: (baseUrl: string, mailer: Mailer) => composeDigests(web, baseUrl, mailer),
    /** The same plus the accounts and the HTTP app. */
    web: (baseUrl: string, mailer: Mailer, readiness?: () => Pick<ReadinessState, 'ready' | 'waiting'>) => composeWeb(web, baseUrl, mailer, readiness),
    /** Closes the indexes that were opened, then the store. */
    close: async () => {
      await search.close();
      await stores.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof composeServices>>;
