/**
 * `paperboy migrate-store --to postgres://...`: a SQLite data directory with papers, signals, votes,
 * lists, embeddings, a checkpoint, subscribers and digests in several outbox states, copied into
 * PostgreSQL and read back through the PostgreSQL adapters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSqliteAccountStore } from '../src/adapters/sqlite/account-store.ts';
import { createSqliteSignalStore } from '../src/adapters/sqlite/signal-store.ts';
import { composeServices, type Services } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { PaperStore } from '../src/ports/paper-store.ts';
import { memoryMailer } from './app-helpers.ts';
import { dataWithSubscribers } from './digest-senders.ts';
import { fixedClock, ROOT, runPaperboy, tempDir, testStore } from './helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

const NOW = '2024-01-10T12:00:00.000Z';
const MODEL = 'test/model-4d';

/** A SQLite data directory holding some of everything migrate-store copies. */
async function sqliteFixture(): Promise<string> {
  const data = await dataWithSubscribers(4);
  const { stores } = await testStore(data);
  assert.equal(stores.kind, 'sqlite', 'migrate-store copies a SQLite file: this file runs in the SQLite pass (scripts/run-tests.js)');
  const store = stores.papers;
  const accounts = createSqliteAccountStore(store.db);
  const [ada, bob] = [await accounts.findOrCreateUser('ada@example.org', NOW), await accounts.findOrCreateUser('bob@example.org', NOW)];
  await accounts.setVote(ada.id, '2401.00101', true, NOW);
  await accounts.setVote(bob.id, '2401.00101', true, NOW);
  await accounts.setVote(bob.id, '2401.00102', true, NOW);
  await accounts.setInList('library', ada.id, '2401.00103', true, NOW);
  await createSqliteSignalStore(store.db).record([{ paperId: '2401.00102', source: 'paperboy', name: 'readers', day: '2024-01-09', value: 3 }]);
  const seqs = (store.db.prepare("SELECT seq FROM papers WHERE id IN ('2401.00101', '2401.00104') ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
  await store.saveEmbeddings(MODEL, seqs.map((seq, i) => ({ seq, textHash: `hash-${seq}`, vector: new Float32Array([i, 0.5, -1.25, 3e-7]) })));
  await store.saveCheckpoint({ key: 'oai:cs', windowFrom: '2024-01-01', windowUntil: null, windowStartedOn: '2024-01-09', resumptionToken: 'token|42', cursor: 42, harvestedThrough: '2023-12-31', updatedAt: NOW });
  await store.close();
  // Digests planned for a day: one sent, one failed, one claimed by a sender (sending), one pending.
  const services = await composeOn(data);
  try {
    const { digests } = await services.digests('https://paperboy.test', memoryMailer());
    await digests.plan({ date: '2024-01-10' });
    const outbox = services.stores.subscriptions;
    const claim = async (owner: string) => (await outbox.claimDigests({ owner, limit: 1, now: NOW, leaseUntil: '2024-01-10T12:05:00.000Z' }))[0]!;
    assert.ok(await outbox.markSent((await claim('a')).id, 'a', '<sent@paperboy.test>', NOW));
    assert.ok(await outbox.markFailed((await claim('b')).id, 'b', 'mailbox unavailable', 1));
    await claim('c');
  } finally {
    await services.close();
  }
  return data;
}

const composeOn = (data: string, url?: string) =>
  composeServices(loadConfig({ env: url ? { PAPERBOY_DATABASE_URL: url } : {}, installDir: ROOT, overrides: { dataDir: data, starter: 'off' } }), {
    embedder: null, index: 'memory', logger: silentLogger, mailer: memoryMailer(), clock: fixedClock(NOW),
  });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** What a reader of the stores sees, for comparing both sides. */
async function snapshot(services: Services) {
  const { papers, accounts, subscriptions, signals } = services.stores;
  const store: PaperStore = papers;
  const active = await subscriptions.activeSubscribers();
  return {
    stats: await store.stats(),
    changes: await store.changesSince(0, 10_000),
    lastChangeSeq: await store.lastChangeSeq(),
    storeId: await store.storeId(),
    votes: [...(await accounts.voteCounts())].sort(),
    library: await accounts.listPapers('library', 1, 10, 0),
    gains: [...(await signals.gains('2024-01-01', '2024-01-11'))].sort(),
    embeddings: (await collect(store.scanEmbeddings(MODEL))).map((e) => ({ seq: e.seq, vector: [...e.vector], embeddedAt: e.embeddedAt })),
    checkpoint: await store.getCheckpoint('oai:cs'),
    subscribers: active,
    sent: await Promise.all(active.map(async (s) => [...(await subscriptions.papersSent(s.id))].sort())),
    digests: await Promise.all(active.map(async (s) => [await subscriptions.digestFor(s.id, '2024-01-10'), await subscriptions.digestFor(s.id, '2024-01-11')])),
    outbox: await subscriptions.counts(),
  };
}

describe('paperboy migrate-store', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  it('copies a SQLite data directory into PostgreSQL: counts, votes, subscribers, outbox states and change numbers equal afterwards', async () => {
    const data = await sqliteFixture();
    const url = await cluster.createDatabase();
    const env = { PAPERBOY_DATA: data, PAPERBOY_MODEL_DOWNLOAD: 'false', PAPERBOY_DATABASE_URL: '' };
    const run = await runPaperboy(['migrate-store', '--to', url], { env });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^papers\s+7\s+7$/m);
    assert.match(run.stdout, /^votes\s+3\s+3$/m);
    assert.match(run.stdout, /^subscribers\s+4\s+4$/m);
    assert.match(run.stdout, /^paper_embeddings\s+2\s+2$/m);
    for (const state of ['failed', 'pending', 'sending', 'sent']) assert.match(run.stdout, new RegExp(`^ {2}outbox ${state}\\s+1\\s+1$`, 'm'));
    assert.match(run.stdout, /every count is equal/);

    const [sqlite, postgres] = [await composeOn(data), await composeOn(tempDir(), url)];
    try {
      assert.equal(postgres.stores.kind, 'postgres');
      const [before, copied] = [await snapshot(sqlite), await snapshot(postgres)];
      assert.deepEqual(before.outbox, { pending: 1, sending: 1, sent: 1, failed: 1, empty: 0 });
      assert.ok(before.votes.length === 2 && before.embeddings.length === 2 && before.gains.length > 0);
      assert.deepEqual(copied, before);
      // Keys continue after the copied ones.
      const carol = await postgres.stores.accounts.findOrCreateUser('carol@example.org', NOW);
      assert.equal(carol.id, 3);
    } finally {
      await Promise.all([sqlite.close(), postgres.close()]);
    }

    const again = await runPaperboy(['migrate-store', '--to', url], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /the target database already holds data \(.*\bpapers\b.*\); pass --replace/);
    const replaced = await runPaperboy(['migrate-store', '--to', url, '--replace'], { env });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^users\s+2\s+2$/m, 'the user added since is gone: the target holds the copy only');
  });

  it('names what is wrong: a target that is not PostgreSQL, an empty data directory, a source that is not SQLite', async () => {
    const env = { PAPERBOY_DATA: tempDir(), PAPERBOY_MODEL_DOWNLOAD: 'false', PAPERBOY_DATABASE_URL: '' };
    const bad = await runPaperboy(['migrate-store', '--to', 'mysql://x@127.0.0.1/db'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--to: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    const url = await cluster.createDatabase();
    const empty = await runPaperboy(['migrate-store', '--to', url], { env });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the SQLite database .*paperboy\.db holds nothing to copy \(no papers, accounts or subscribers\); check --data/);
    const fromPg = await runPaperboy(['migrate-store', '--to', url], { env: { ...env, PAPERBOY_DATABASE_URL: url } });
    assert.equal(fromPg.code, 2);
    assert.match(fromPg.stderr, /copies the SQLite file of the data directory, but PAPERBOY_DATABASE_URL/);
  });
});
