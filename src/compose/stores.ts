/**
 * The stores behind every port, opened from the configuration. This is the one place that chooses
 * the database: the SQLite file under the data directory, or the PostgreSQL database of
 * `databaseUrl` (PAPERBOY_DATABASE_URL; docs/deployment.md) — nowhere else (docs/composition.md).
 */
import { createPostgresAccountStore } from '../adapters/postgres/account-store.ts';
import { openPool, type Pool } from '../adapters/postgres/database.ts';
import { createPostgresMailLog } from '../adapters/postgres/mail-log.ts';
import { createPostgresPaperStore } from '../adapters/postgres/paper-store.ts';
import { createPostgresSignalStore } from '../adapters/postgres/signal-store.ts';
import { createPostgresSubscriptionStore } from '../adapters/postgres/subscription-store.ts';
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

interface StoresCommon {
  readonly accounts: AccountStore;
  readonly subscriptions: SubscriptionStore;
  readonly mailLog: MailLog;
  readonly signals: SignalStore;
  /** Papers embedded with another model and not yet with `modelId`: a model switch re-embeds them. */
  otherModels(modelId: string): Promise<{ model: string; papers: number }[]>;
  close(): Promise<void>;
}

/** Which adapter holds the data, and its handle (the SQLite connection, the PostgreSQL pool). */
export type Stores =
  | (StoresCommon & { readonly kind: 'sqlite'; readonly papers: PaperStore & { db: SqliteDb } })
  | (StoresCommon & { readonly kind: 'postgres'; readonly papers: PaperStore & { pool: Pool } });

// The same question in both dialects.
const OTHER_MODELS = `SELECT e.model, COUNT(*) AS papers FROM paper_embeddings e
  WHERE e.model <> $1 AND NOT EXISTS (SELECT 1 FROM paper_embeddings c WHERE c.paper_seq = e.paper_seq AND c.model = $1)
  GROUP BY e.model ORDER BY papers DESC`;

/** Opens (creating and migrating when needed) the database the configuration names. */
export async function openStores(config: Config, clock: Clock): Promise<Stores> {
  const now = () => new Date(clock.now()).toISOString();
  if (config.databaseUrl) {
    const papers = createPostgresPaperStore(await openPool(config.databaseUrl, { now }), { now });
    const { pool } = papers;
    return {
      kind: 'postgres',
      papers,
      accounts: createPostgresAccountStore(pool),
      subscriptions: createPostgresSubscriptionStore(pool),
      mailLog: createPostgresMailLog(pool),
      signals: createPostgresSignalStore(pool, { now }),
      otherModels: async (modelId) => (await pool.query<{ model: string; papers: number }>(OTHER_MODELS, [modelId])).rows,
      close: () => papers.close(),
    };
  }
  const papers = createSqlitePaperStore(config.dbFile, { now });
  const { db } = papers;
  const otherModels = db.prepare(OTHER_MODELS.replaceAll('$1', '@model'));
  return {
    kind: 'sqlite',
    papers,
    accounts: createSqliteAccountStore(db),
    subscriptions: createSqliteSubscriptionStore(db),
    mailLog: createSqliteMailLog(db),
    signals: createSqliteSignalStore(db, { now }),
    otherModels: async (modelId) => otherModels.all({ model: modelId }) as { model: string; papers: number }[],
    close: () => papers.close(),
  };
}
