import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { createPostgresAccountStore } from '../../src/adapters/postgres/account-store.ts';
import { openPostgresPaperStore } from '../../src/adapters/postgres/paper-store.ts';
import { createPostgresSignalStore } from '../../src/adapters/postgres/signal-store.ts';
import { createSqliteAccountStore } from '../../src/adapters/sqlite/account-store.ts';
import { createSqlitePaperStore } from '../../src/adapters/sqlite/paper-store.ts';
import { createSqliteSignalStore } from '../../src/adapters/sqlite/signal-store.ts';
import { tempDir } from '../helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from '../pg-cluster.ts';
import { accountStoreContract } from './account-store.contract.ts';

const now = () => '2024-01-10T00:00:00.000Z';

describe('AccountStore contract: SQLite', () => {
  accountStoreContract({
    async newDatabase() {
      const papers = createSqlitePaperStore(join(tempDir(), 'paperboy.db'), { now });
      return { papers, accounts: createSqliteAccountStore(papers.db), signals: createSqliteSignalStore(papers.db, { now }), close: () => papers.close() };
    },
  });
});

describe('AccountStore contract: PostgreSQL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());
  accountStoreContract({
    async newDatabase() {
      const papers = await openPostgresPaperStore(await cluster.createDatabase(), { now, max: 4 });
      return { papers, accounts: createPostgresAccountStore(papers.pool), signals: createPostgresSignalStore(papers.pool, { now }), close: () => papers.close() };
    },
  });
});
