import type { AccountService } from '../app/accounts.ts';
import type { Catalog } from '../app/catalog.ts';
import type { ForYouService } from '../app/for-you-service.ts';
import type { ReaderCounter } from '../app/reader-signals.ts';
import type { DigestService } from '../app/digests.ts';
import type { TrustedProxies } from '../core/trusted-proxies.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { RateLimitStore } from '../ports/rate-limit-store.ts';
import type { RateLimits } from './security.ts';

export interface HttpOptions {
  /** Public URL of the service (links in feeds, mails and the OpenAPI document), no trailing slash. */
  baseUrl: string;
  /** Server secret for CSRF tokens (32+ random bytes, kept in the data directory). */
  secret: string;
  /** Which proxies' X-Forwarded-For / -Proto / -Host to believe (only reverse proxies you run). */
  trustProxy: TrustedProxies;
  /** Per-client limits; null turns them off. */
  rateLimits: RateLimits;
  /** Where the limits' buckets live (default: this process's memory). */
  rateLimitStore?: RateLimitStore;
  maxBodyBytes: number;
  /** The data directory, printed in the commands of the empty-database page. */
  dataDir?: string;
}

export interface HttpServices {
  store: PaperStore;
  catalog: Catalog;
  accounts: AccountService;
  digests: DigestService;
  clock: Clock;
  logger: Logger;
  version: string;
  options: HttpOptions;
  /** A signed-in reader's recommendations, "my papers" and private feed (app/for-you-service.ts); absent: those pages and GET /api/recommendations answer 404. */
  forYou?: ForYouService;
  /** Whether `serve` has finished starting (GET /readyz); absent: always ready (an app in a test or a command). */
  readiness?: () => { ready: boolean; waiting: readonly string[] };
  /** Counts distinct readers of paper pages (app/reader-signals.ts); absent: not counted. */
  readers?: Pick<ReaderCounter, 'view'>;
}
