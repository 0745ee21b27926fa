/**
 * What the PostgreSQL adapter does beyond the PaperStore contract (test/contract): its migrations,
 * its change feed under a writer that stalls while others commit, ids followed by account rows,
 * and the throwaway cluster the tests run on.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPool, pgSchemaVersion } from '../src/adapters/postgres/database.ts';
import { pgMigrations } from '../src/adapters/postgres/migrations.ts';
import { openPostgresPaperStore } from '../src/adapters/postgres/paper-store.ts';
import { isPaperboyError } from '../src/core/errors.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';
import { contentId } from '../src/core/paper-id.ts';
import { readFeed } from './contract/paper-store.contract.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

const NOW = '2024-01-10T00:00:00.000Z';
const now = () => NOW;
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2401.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, source: 'test', ...extra,
});

/** Polls `check` until it holds (the bound only stops a broken test from hanging). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe('the test cluster helper', () => {
  it('skips without PostgreSQL outside CI, and fails instead under CI=true', async () => {
    assert.match(String(postgresSkip({ PATH: '' }, '/nonexistent')), /PostgreSQL is not installed.*apt-get install postgresql/);
    assert.equal(postgresSkip({ PATH: '', CI: 'true' }, '/nonexistent'), false, 'CI runs the suite, which then fails');
    await assert.rejects(startPgCluster({ env: { PATH: '', CI: 'true' }, debian: '/nonexistent' }), /not installed.*CI=true: the PostgreSQL tests fail rather than skip/);
  });
});

describe('PostgreSQL store', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  it('migrates once with several instances starting together, and refuses a schema newer than the code', async () => {
    assert.deepEqual(pgMigrations.map((m) => m.version), pgMigrations.map((_, i) => i + 1), 'migrations are numbered 1..n in order');
    const url = await cluster.createDatabase();
    const pools = await Promise.all([1, 2, 3].map(() => openPool(url, { max: 2 })));
    const applied = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(applied.rows.map((r) => r.version), pgMigrations.map((m) => m.version));
    assert.equal(await pgSchemaVersion(pools[0]!), pgMigrations.length);
    await Promise.all(pools.map((p) => p.end()));

    const future = [...pgMigrations, { version: 99, name: 'future', sql: 'CREATE TABLE future (x integer)' }];
    await (await openPool(url, { migrations: future })).end();
    const refused = await openPool(url).then((p) => p.end().then(() => null), (error: unknown) => error);
    assert.ok(isPaperboyError(refused, 'SCHEMA_TOO_NEW'), String(refused));
    assert.match(refused.message, new RegExp(`schema version 99, but this Paperboy knows only up to ${pgMigrations.length}; upgrade Paperboy`));
    assert.doesNotMatch(refused.message, /password/);
  });

  it('hands a follower every commit when a writer stalls while holding its change numbers and another writes', async () => {
    const url = await cluster.createDatabase();
    const slowStore = await openPostgresPaperStore(url, { now, max: 2 });
    const fastStore = await openPostgresPaperStore(url, { now, max: 2 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    const lockWaits = async () => {
      const { rows } = await blocker.query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return Number(rows[0]!.n);
    };
    try {
      await slowStore.upsertPapers([paper(1)], merge);
      let position = await fastStore.lastChangeSeq();
      const seen: string[] = [];
      const follow = async () => {
        const page = await readFeed(fastStore, position, 1);
        seen.push(...page.map((c) => `${c.id} ${c.abstract}`));
        if (page.length > 0) position = page[page.length - 1]!.changeSeq;
      };

      // Another session holds paper 1's row: the slow writer stops in the middle of its transaction,
      // after it took its change numbers, until the row is free.
      await blocker.query('BEGIN');
      await blocker.query("SELECT 1 FROM papers WHERE id = '2401.00001' FOR UPDATE");
      const slow = slowStore.upsertPapers([paper(1, { abstract: 'written slowly' })], merge);
      await until(async () => (await lockWaits()) >= 1, 'the slow writer waits');
      // Meanwhile another instance writes paper 2: it commits at once if nothing orders the writers,
      // or waits for the slow one.
      const fast = fastStore.upsertPapers([paper(2)], merge);
      await Promise.race([fast, until(async () => (await lockWaits()) >= 2, 'the fast writer waits')]);
      // A follower catches up with whatever has committed so far...
      await follow();
      // ...then the slow writer goes on, and so does the other one if it was waiting.
      await blocker.query('ROLLBACK');
      await Promise.all([slow, fast]);
      await follow();

      assert.deepEqual(seen.sort(), ['2401.00001 written slowly', '2401.00002 About 2'], 'every commit reaches the follower');
    } finally {
      await blocker.end();
      await Promise.all([slowStore.close(), fastStore.close()]);
    }
  });

  it('fails the batch whose connection the server ended, and goes on on another connection', async () => {
    const url = await cluster.createDatabase();
    const store = await openPostgresPaperStore(url, { now, max: 1 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await store.upsertPapers([paper(1)], merge);
      await blocker.query('BEGIN');
      await blocker.query("SELECT 1 FROM papers WHERE id = '2401.00001' FOR UPDATE");
      const cut = store.upsertPapers([paper(1, { abstract: 'never written' })], merge);
      // The writer waits for the row; its server process is then ended (a restart, a failover).
      await until(async () => (await blocker.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount === 1, 'the writer waits');
      await blocker.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      // pg also emits the connection's `error` event: unheard, it ended the test process (the bug).
      await assert.rejects(cut, /terminat(ing connection|ed unexpectedly)/);
      await blocker.query('ROLLBACK');
      // One connection in the pool: the next batch gets a new one, not the dead one.
      assert.deepEqual((await store.upsertPapers([paper(2)], merge)).map((r) => r.outcome), ['added']);
      assert.equal((await store.getPaper('2401.00001'))?.abstract, 'About 1');
      assert.equal(await store.countPapers(), 2);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('moves votes, library entries and the vote count with a paper whose id changes', async () => {
    const url = await cluster.createDatabase();
    const store = await openPostgresPaperStore(url, { now, max: 2 });
    try {
      const title = 'A twin paper about ranking';
      await store.upsertPapers([{ id: contentId(title), title, abstract: 'x', source: 'hf' }], merge);
      await store.pool.query(`INSERT INTO users (email, created_at) VALUES ('ada@example.org', $1), ('kurt@example.org', $1)`, [NOW]);
      await store.pool.query(`INSERT INTO votes (user_id, paper_id, created_at) SELECT id, $1, $2 FROM users`, [contentId(title), NOW]);
      await store.pool.query(`INSERT INTO library (user_id, paper_id, created_at) SELECT id, $1, $2 FROM users LIMIT 1`, [contentId(title), NOW]);
      await store.pool.query(`UPDATE papers SET local_votes = 2`);
      await store.pool.query(`INSERT INTO subscribers (email, status, created_at) VALUES ('ada@example.org', 'active', $1)`, [NOW]);
      await store.pool.query(`INSERT INTO digest_papers_sent (subscriber_id, paper_id, digest_id) SELECT id, $1, 1 FROM subscribers`, [contentId(title)]);
      const mark = await store.lastChangeSeq();

      await store.upsertPapers([paper(7, { title })], merge);
      const changes = await store.changesSince(mark, 10);
      assert.deepEqual(changes.map((c) => [c.id, c.localVotes, c.textSeq === c.changeSeq]), [['2401.00007', 2, true]]);
      const refs = await store.pool.query<{ t: string; paper_id: string }>(
        `SELECT 'votes' AS t, paper_id FROM votes UNION ALL SELECT 'library', paper_id FROM library UNION ALL SELECT 'sent', paper_id FROM digest_papers_sent ORDER BY 1`,
      );
      assert.deepEqual(refs.rows.map((r) => [r.t, r.paper_id]), [['library', '2401.00007'], ['sent', '2401.00007'], ['votes', '2401.00007'], ['votes', '2401.00007']]);
    } finally {
      await store.close();
    }
  });

  it('stops the cluster and removes its folder', async () => {
    const other = await startPgCluster();
    const url = await other.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    assert.equal((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
    await client.end();
    await other.stop();
    assert.equal(existsSync(other.dir), false);
    const refused = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await assert.rejects(refused.connect(), /ECONNREFUSED/);
    await other.stop();
  });
});
