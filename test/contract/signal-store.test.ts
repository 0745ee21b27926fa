import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openPostgresPaperStore } from '../../src/adapters/postgres/paper-store.ts';
import { createPostgresSignalStore } from '../../src/adapters/postgres/signal-store.ts';
import { createSqlitePaperStore } from '../../src/adapters/sqlite/paper-store.ts';
import { createSqliteSignalStore } from '../../src/adapters/sqlite/signal-store.ts';
import { tempDir } from '../helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from '../pg-cluster.ts';
import { signalStoreContract } from './signal-store.contract.ts';

describe('SignalStore contract: SQLite', () => {
  signalStoreContract({
    async newDatabase(now) {
      const papers = createSqlitePaperStore(join(tempDir(), 'paperboy.db'), { now });
      return { papers, signals: createSqliteSignalStore(papers.db, { now }), close: () => papers.close() };
    },
  });
});

describe('SignalStore contract: PostgreSQL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());
  signalStoreContract({
    async newDatabase(now) {
      const papers = await openPostgresPaperStore(await cluster.createDatabase(), { now, max: 4 });
      return { papers, signals: createPostgresSignalStore(papers.pool, { now }), close: () => papers.close() };
    },
  });
});
