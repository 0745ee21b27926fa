/**
 * What the web app and the digest sender are made of, for one public URL: the catalog, the mail
 * queue, the digest service and, for `serve`, the accounts and the Hono app. The web layer and the
 * digest code load here, not at start-up: one-off commands (a search, an import) do not pay for
 * modules they never use.
 */
import { createPostgresRateLimitStore } from '../adapters/postgres/rate-limit-store.ts';
import { createAccountService } from '../app/accounts.ts';
import { createCatalog } from '../app/catalog.ts';
import { createForYouService } from '../app/for-you-service.ts';
import { TermCountCache } from '../core/recommend/tfidf.ts';
import type { DigestOptions } from '../app/digests.ts';
import type { MailQueueOptions } from '../app/mail-queue.ts';
import type { ReaderCounter } from '../app/reader-signals.ts';
import type { SearchService } from '../app/search/search-service.ts';
import type { TrendingService, TrendingServiceOptions } from '../app/trending.ts';
import type { Config } from '../config/load-config.ts';
import { parseTrustedProxies } from '../core/trusted-proxies.ts';
import type { RateLimits } from '../http/security.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import { createConfiguredMailQueue } from './mail.ts';
import type { ReadinessState } from './readiness.ts';
import type { Stores } from './stores.ts';

/** Settings that the configuration does not carry: tests and benchmarks pass them. */
export interface Tuning {
  digest?: Partial<DigestOptions>;
  mailQueue?: Partial<MailQueueOptions>;
  /** Per-client limits instead of the defaults (null: none; `config.rateLimits` false also turns them off). */
  rateLimits?: RateLimits;
  trending?: TrendingServiceOptions;
}

export interface WebDeps {
  config: Config;
  stores: Stores;
  clock: Clock;
  logger: Logger;
  search: () => Promise<SearchService>;
  trending: TrendingService;
  readers: ReaderCounter | null;
  secret: () => string;
  version: string;
  tuning: Tuning;
}

/** The public URL: configured (behind a proxy), else where we listen. */
export function publicUrl(config: Config, hostname: string, port: number): string {
  return config.baseUrl ?? `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

/** The catalog, the mail queue and the digest service whose links point at `baseUrl`; digests go out through `mailer`. */
export async function composeDigests(deps: WebDeps, baseUrl: string, mailer: Mailer) {
  const { config, stores, clock, logger } = deps;
  const { createDigestService, DIGEST_DEFAULTS } = await import('../app/digests.ts');
  const catalog = createCatalog({ store: stores.papers, accounts: stores.accounts, search: deps.search, clock, trending: deps.trending });
  const mail = createConfiguredMailQueue(config, { mailer, log: stores.mailLog, clock, logger }, deps.tuning.mailQueue);
  const options: DigestOptions = {
    ...DIGEST_DEFAULTS,
    ratePerMinute: config.digest.ratePerMinute,
    leaseMs: config.digest.leaseMs,
    unsubscribeMailto: config.digest.unsubscribeMailto ?? `unsubscribe@${new URL(baseUrl).hostname}`,
    ...deps.tuning.digest,
  };
  // Recommendations read the search index's vectors (the engine): loaded on first use only.
  // One term-count cache for every reader (2,048 texts: about a week of the 75k corpus's new papers).
  const forYou = createForYouService({ accounts: stores.accounts, catalog, source: async () => (await deps.search()).engine, secret: deps.secret(), termCounts: new TermCountCache(2048) });
  const digests = createDigestService({ subscriptions: stores.subscriptions, catalog, mailer, mail, clock, logger, secret: deps.secret(), baseUrl, recommendations: forYou.digestPapers }, options);
  return { mailer, mail, catalog, digests, forYou };
}

/**
 * Everything `composeDigests` makes, plus the accounts and the HTTP app (never listening: the caller
 * serves it or calls `app.request`); `readiness` answers `GET /readyz` (serve-loop.ts).
 */
export async function composeWeb(deps: WebDeps, baseUrl: string, mailer: Mailer, readiness?: () => Pick<ReadinessState, 'ready' | 'waiting'>) {
  const { config, stores, clock, logger } = deps;
  const [{ createApp }, { RATE_LIMIT_DEFAULTS }] = await Promise.all([import('../http/create-app.ts'), import('../http/security.ts')]);
  const parts = await composeDigests(deps, baseUrl, mailer);
  const accounts = createAccountService({ accounts: stores.accounts, mail: parts.mail, clock, logger, baseUrl });
  if (config.trustProxy) {
    logger.warn('config.deprecated', { setting: 'PAPERBOY_TRUST_PROXY', trustedProxies: config.trustedProxies, message: 'PAPERBOY_TRUST_PROXY is deprecated: alone it means PAPERBOY_TRUSTED_PROXIES=1 (one proxy hop); set PAPERBOY_TRUSTED_PROXIES instead (docs/web.md)' });
  }
  const rateLimits = !config.rateLimits ? null : deps.tuning.rateLimits !== undefined ? deps.tuning.rateLimits : RATE_LIMIT_DEFAULTS;
  const app = createApp({
    store: stores.papers, catalog: parts.catalog, accounts, digests: parts.digests, clock, logger, version: deps.version, ...(deps.readers ? { readers: deps.readers } : {}),
    forYou: parts.forYou,
    ...(readiness ? { readiness } : {}),
    options: {
      baseUrl, secret: deps.secret(), trustProxy: parseTrustedProxies(config.trustedProxies), rateLimits, maxBodyBytes: 64 * 1024, dataDir: config.dataDir,
      // Instances sharing a PostgreSQL database share the limits too (docs/deployment.md).
      ...(stores.kind === 'postgres' ? { rateLimitStore: createPostgresRateLimitStore(stores.papers.pool, { logger }) } : {}),
    },
  });
  return { ...parts, accounts, app };
}
