import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openPostgresPaperStore } from '../../src/adapters/postgres/paper-store.ts';
import { createSqlitePaperStore } from '../../src/adapters/sqlite/paper-store.ts';
import { tempDir } from '../helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from '../pg-cluster.ts';
import { paperStoreContract } from './paper-store.contract.ts';

describe('PaperStore contract: SQLite', () => {
  paperStoreContract({
    async newDatabase() {
      const file = join(tempDir(), 'paperboy.db');
      return { open: async (now) => createSqlitePaperStore(file, { now }) };
    },
  });
});

describe('PaperStore contract: PostgreSQL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());
  paperStoreContract({
    async newDatabase() {
      const url = await cluster.createDatabase();
      return { open: (now) => openPostgresPaperStore(url, { now, max: 4 }) };
    },
  });
});
