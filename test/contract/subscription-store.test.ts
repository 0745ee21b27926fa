import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { createPostgresAccountStore } from '../../src/adapters/postgres/account-store.ts';
import { createPostgresMailLog } from '../../src/adapters/postgres/mail-log.ts';
import { openPostgresPaperStore } from '../../src/adapters/postgres/paper-store.ts';
import { createPostgresSubscriptionStore } from '../../src/adapters/postgres/subscription-store.ts';
import { createSqliteAccountStore } from '../../src/adapters/sqlite/account-store.ts';
import { createSqliteMailLog } from '../../src/adapters/sqlite/mail-log.ts';
import { createSqlitePaperStore } from '../../src/adapters/sqlite/paper-store.ts';
import { createSqliteSubscriptionStore } from '../../src/adapters/sqlite/subscription-store.ts';
import { tempDir } from '../helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from '../pg-cluster.ts';
import { subscriptionStoreContract } from './subscription-store.contract.ts';

describe('SubscriptionStore and MailLog contract: SQLite', () => {
  subscriptionStoreContract({
    async newDatabase() {
      const papers = createSqlitePaperStore(join(tempDir(), 'paperboy.db'));
      const accounts = createSqliteAccountStore(papers.db);
      return {
        subscriptions: createSqliteSubscriptionStore(papers.db), mailLog: createSqliteMailLog(papers.db),
        newUser: async (email) => (await accounts.findOrCreateUser(email, '2024-01-01T00:00:00.000Z')).id, close: () => papers.close(),
      };
    },
  });
});

describe('SubscriptionStore and MailLog contract: PostgreSQL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());
  subscriptionStoreContract({
    async newDatabase() {
      const papers = await openPostgresPaperStore(await cluster.createDatabase(), { max: 4 });
      const accounts = createPostgresAccountStore(papers.pool);
      return {
        subscriptions: createPostgresSubscriptionStore(papers.pool), mailLog: createPostgresMailLog(papers.pool),
        newUser: async (email) => (await accounts.findOrCreateUser(email, '2024-01-01T00:00:00.000Z')).id, close: () => papers.close(),
      };
    },
  });
});
