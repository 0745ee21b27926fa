/**
 * PAPERBOY_DATABASE_URL through the composition root and the CLI: every store on one PostgreSQL
 * database (the stores themselves are tested by the contract suites in test/contract).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { cliServices } from '../src/compose/cli-services.ts';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { memoryMailer } from './app-helpers.ts';
import { fixture, ROOT, runPaperboy, startServe, tempDir } from './helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

describe('PostgreSQL through PAPERBOY_DATABASE_URL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  const compose = (url: string) =>
    composeServices(loadConfig({ env: { PAPERBOY_DATABASE_URL: url }, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off' } }), {
      embedder: null, index: 'memory', logger: silentLogger, mailer: memoryMailer(),
    });

  it('composes every store on the database: an import through one instance is counted, searched and voted on through another', async () => {
    const url = await cluster.createDatabase();
    const a = await compose(url);
    const b = await compose(url);
    try {
      assert.equal(a.stores.kind, 'postgres');
      const report = await cliServices(a).importFiles([fixture('web-papers.jsonl')], {});
      assert.ok(report.counts.added > 0);
      assert.equal(existsSync(a.config.dbFile), false, 'no SQLite file is made');
      assert.equal(await b.stores.papers.countPapers(), report.counts.added);
      assert.deepEqual(await b.stores.otherModels('some/model'), []);

      const { app } = await b.web('http://paperboy.test', memoryMailer());
      const search = (await (await app.request('http://paperboy.test/api/search?q=retrieval&mode=keyword')).json()) as { items: { id: string }[] };
      assert.ok(search.items.length > 0, 'the other instance searches the papers');
      const user = await b.stores.accounts.findOrCreateUser('ada@example.org', '2024-01-10T00:00:00.000Z');
      const mark = await a.stores.papers.lastChangeSeq();
      assert.equal(await b.stores.accounts.setVote(user.id, search.items[0]!.id, true, '2024-01-10T00:00:00.000Z'), 1);
      assert.deepEqual((await a.stores.papers.changesSince(mark, 10)).map((c) => [c.id, c.localVotes]), [[search.items[0]!.id, 1]], 'the vote reaches the first instance\'s feed');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('the CLI imports and reports stats with PAPERBOY_DATABASE_URL, and names a bad URL', async () => {
    const url = await cluster.createDatabase();
    const env = { PAPERBOY_DATABASE_URL: url, PAPERBOY_DATA: tempDir() };
    const first = await runPaperboy(['import', fixture('seed-papers.jsonl')], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /46 added, 0 updated, 0 unchanged/);
    const stats = await runPaperboy(['stats', '--json'], { env: { ...env, PAPERBOY_DATA: tempDir() } });
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).papers, 46, 'another data directory, the same database');
    const bad = await runPaperboy(['stats'], { env: { ...env, PAPERBOY_DATABASE_URL: 'mysql://x@127.0.0.1/db' } });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /databaseUrl \(PAPERBOY_DATABASE_URL\): must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('serve on the database finds what a CLI import in another data directory committed later (the change feed)', async () => {
    const url = await cluster.createDatabase();
    const noModel = { PAPERBOY_MODEL_DIR: join(tempDir(), 'no-model'), PAPERBOY_MODEL_DOWNLOAD: 'false' };
    const env = { ...process.env, ...noModel, PAPERBOY_DATABASE_URL: url, PAPERBOY_DATA: '' };
    assert.equal((await runPaperboy(['--data', tempDir(), 'import', fixture('web-papers.jsonl')], { env })).code, 0);
    const serve = await startServe(['--data', tempDir(), 'serve', '--port', '0'], {
      env: { ...env, PAPERBOY_LOG_LEVEL: 'info', PAPERBOY_STARTER: 'off', PAPERBOY_DIGEST_SCHEDULE: 'off', PAPERBOY_RATE_LIMITS: 'false' },
    });
    try {
      const ids = async () => ((await (await fetch(`${serve.url}/api/search?q=quagga&mode=keyword`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
      assert.deepEqual(await ids(), []);
      const more = join(tempDir(), 'more.jsonl');
      writeFileSync(more, `${JSON.stringify({ id: '2402.00002', title: 'Okapi retrieval for quagga herds', abstract: 'Quaggas.', authors: ['Grace Hopper'], categories: ['cs.IR'], announcedAt: '2024-02-02' })}\n`);
      const imported = await runPaperboy(['--data', tempDir(), 'import', more], { env });
      assert.equal(imported.code, 0, imported.stderr);
      let found: string[] = [];
      // Polled: the serve's index refresh follows the feed about every second (the bound only stops a broken test).
      for (let i = 0; i < 600 && !found.includes('2402.00002'); i++) {
        await sleep(50);
        found = await ids();
      }
      assert.deepEqual(found, ['2402.00002']);
    } finally {
      await serve.stop();
    }
  });
});
