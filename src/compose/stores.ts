/**
 * The stores behind every port, opened from the configuration. This is the one place that chooses
 * the database: SQLite today (one file under the data directory); another adapter (PostgreSQL,
 * issue 16) is a second branch here and nowhere else (docs/composition.md).
 */
import type { SqliteDb } from '../adapters/sqlite/database.ts';
import { createSqliteAccountStore } from '../adapters/sqlite/account-store.ts';
import { createSqliteMailLog } from '../adapters/sqlite/mail-log.ts';
import { createSqlitePaperStore } from '../adapters/sqlite/paper-store.ts';
import { createSqliteSignalStore } from '../adapters/sqlite/signal-store.ts';
import { createSqliteSubscriptionStore } from '../adapters/sqlite/subscription-store.ts';
import type { Config } from '../config/load-config.ts';
import type { AccountStore } from '../ports/account-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { MailLog } from '../ports/mail-log.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { SignalStore } from '../ports/signal-store.ts';
import type { SubscriptionStore } from '../ports/subscription-store.ts';

export interface Stores {
  /** Which adapter holds the data. */
  readonly kind: 'sqlite';
  readonly papers: PaperStore & { db: SqliteDb };
  readonly accounts: AccountStore;
  readonly subscriptions: SubscriptionStore;
  readonly mailLog: MailLog;
  readonly signals: SignalStore;
  /** Papers embedded with another model and not yet with `modelId`: a model switch re-embeds them. */
  otherModels(modelId: string): { model: string; papers: number }[];
  close(): Promise<void>;
}

/** Opens (creating and migrating when needed) the database the configuration names. */
export function openStores(config: Config, clock: Clock): Stores {
  const papers = createSqlitePaperStore(config.dbFile, { now: () => new Date(clock.now()).toISOString() });
  const { db } = papers;
  return {
    kind: 'sqlite',
    papers,
    accounts: createSqliteAccountStore(db),
    subscriptions: createSqliteSubscriptionStore(db),
    mailLog: createSqliteMailLog(db),
    signals: createSqliteSignalStore(db),
    otherModels: (modelId) =>
      db.prepare(
        `SELECT e.model, COUNT(*) AS papers FROM paper_embeddings e
          WHERE e.model <> ? AND NOT EXISTS (SELECT 1 FROM paper_embeddings c WHERE c.paper_seq = e.paper_seq AND c.model = ?)
          GROUP BY e.model ORDER BY papers DESC`,
      ).all(modelId, modelId) as { model: string; papers: number }[],
    close: () => papers.close(),
  };
}
