import type { AccountService } from '../app/accounts.ts';
import type { Catalog } from '../app/catalog.ts';
import type { DigestService } from '../app/digests.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { SubscriptionStore } from '../ports/subscription-store.ts';
import type { RateLimits } from './security.ts';

export interface HttpOptions {
  /** Public URL of the service (links in feeds, mails and the OpenAPI document), no trailing slash. */
  baseUrl: string;
  /** Server secret for CSRF tokens (32+ random bytes, kept in the data directory). */
  secret: string;
  /** Believe X-Forwarded-For / -Proto / -Host (only behind a reverse proxy you run). */
  trustProxy: boolean;
  /** Per-client limits; null turns them off. */
  rateLimits: RateLimits;
  maxBodyBytes: number;
  /** The data directory, printed in the commands of the empty-database page. */
  dataDir?: string;
}

export interface HttpServices {
  store: PaperStore;
  catalog: Catalog;
  accounts: AccountService;
  digests: DigestService;
  subscriptions: SubscriptionStore;
  clock: Clock;
  logger: Logger;
  version: string;
  options: HttpOptions;
}
