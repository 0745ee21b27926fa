/**
 * Several `serve` instances on one PostgreSQL database (issue 16): each with a data directory and
 * search index of its own, one scheduler among them (the advisory lock), and what one instance
 * writes reaching the others' lists through the change feed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SCHEDULER_LOCK_KEY } from '../src/adapters/postgres/scheduler-lock.ts';
import { cliServices } from '../src/compose/cli-services.ts';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { BASE_URL, client, memoryMailer, signIn } from './app-helpers.ts';
import { fixedClock, fixture, ROOT, startServe, tempDir } from './helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

/** Polls `probe` until it returns something truthy; the bound only ends a broken test. */
async function until<T>(what: string, probe: () => Promise<T>, boundMs = 60_000): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await sleep(100);
  }
}

describe('several serve instances on one PostgreSQL database', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  it('one instance schedules (the advisory lock); when it is killed -9 another takes over', async () => {
    const url = await cluster.createDatabase();
    const env = {
      ...process.env, PAPERBOY_DATABASE_URL: url, PAPERBOY_DATA: '', PAPERBOY_LOG_LEVEL: 'info', PAPERBOY_STARTER: 'off', PAPERBOY_RATE_LIMITS: 'false',
      PAPERBOY_MODEL_DIR: join(tempDir(), 'no-model'), PAPERBOY_MODEL_DOWNLOAD: 'false', PAPERBOY_SECRET: 'instances-secret-instances-secret!!',
    };
    const serve = () => startServe(['--data', tempDir(), 'serve', '--port', '0'], { env });
    const first = await serve();
    const second = await serve();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    // The backend holding the lock names its process (application_name "paperboy-scheduler pid N").
    const holders = async () => (await db.query<{ name: string }>(
      "SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint",
      [SCHEDULER_LOCK_KEY],
    )).rows.map((r) => r.name);
    const schedules = (s: { stderr: () => string }) => s.stderr().includes('"signals.schedules"');
    const standby = (s: { stderr: () => string }) => s.stderr().includes('"scheduler.standby"');
    try {
      // Each process tries the lock as it starts: one gets it, the other waits.
      await until('one instance schedules and the other stands by', async () => (schedules(first) || schedules(second)) && (standby(first) || standby(second)));
      const [leader, other] = schedules(first) ? [first, second] : [second, first];
      assert.equal(schedules(other), false, 'exactly one instance runs the schedules');
      assert.deepEqual(await holders(), [`paperboy-scheduler pid ${leader.child.pid}`]);

      leader.child.kill('SIGKILL');
      await leader.exit;
      await until('the standby takes the lock over', async () => schedules(other));
      assert.match(other.stderr(), /"scheduler\.acquired"/);
      assert.deepEqual(await holders(), [`paperboy-scheduler pid ${other.child.pid}`]);
    } finally {
      await db.end();
      first.child.kill('SIGKILL');
      await Promise.all([first.exit, second.stop()]);
    }
  });

  it('a vote through A shows in B\'s trending, and an import through A is found by B\'s search', async () => {
    const url = await cluster.createDatabase();
    const compose = () => composeServices(loadConfig({ env: { PAPERBOY_DATABASE_URL: url }, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off', digest: { schedule: 'off' }, hf: { schedule: 'off' }, github: { schedule: 'off' } } }), {
      purpose: 'service', embedder: null, index: 'memory', logger: silentLogger, mailer: memoryMailer(), clock: fixedClock('2024-01-10T12:00:00Z'), tuning: { rateLimits: null },
    });
    const [a, b] = [await compose(), await compose()];
    await cliServices(a).importFiles([fixture('web-papers.jsonl')], {});
    const [serveA, serveB] = [await cliServices(a).serve({ host: '127.0.0.1', port: 0 }), await cliServices(b).serve({ host: '127.0.0.1', port: 0 })];
    const mailer = (await a.mailer()) as ReturnType<typeof memoryMailer>;
    // The helpers' client over HTTP; a sign-in request returns once its mail was handed to the mailer.
    const over = (base: string) => ({
      request: async (path: string, init?: RequestInit) => {
        const before = mailer.sent.length;
        const res = await fetch(path.replace(BASE_URL, base), init);
        if (path.endsWith('/signin')) await until('the sign-in mail', async () => mailer.sent.length > before);
        return res;
      },
    });
    const get = async (base: string, path: string) => (await fetch(`${base}${path}`)).json() as Promise<{ items: { id: string; upvotes?: number }[] }>;
    try {
      const reader = client(over(serveA.url));
      await signIn(reader, mailer, 'voter@example.org');
      const vote = await reader.api('POST', '/api/papers/2401.00104/vote');
      assert.equal(((await vote.json()) as { upvotes: number }).upvotes, 1);
      await until('B\'s trending shows the vote made through A', async () =>
        (await get(serveB.url, '/api/trending?period=week')).items.find((i) => i.id === '2401.00104')?.upvotes === 1, 5000);

      const found = async () => (await get(serveB.url, '/api/search?q=quagga&mode=keyword')).items.map((i) => i.id);
      assert.deepEqual(await found(), []);
      const more = join(tempDir(), 'more.jsonl');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(more, `${JSON.stringify({ id: '2401.09999', title: 'Okapi retrieval for quagga herds', abstract: 'Quaggas.', authors: ['Grace Hopper'], categories: ['cs.IR'], announcedAt: '2024-01-09' })}\n`);
      assert.equal((await cliServices(a).importFiles([more], {})).counts.added, 1);
      await until('B\'s search finds the paper imported through A', async () => (await found()).includes('2401.09999'), 5000);
    } finally {
      await Promise.all([serveA.stop(), serveB.stop()]);
      await Promise.all([a.close(), b.close()]);
    }
  });
});
