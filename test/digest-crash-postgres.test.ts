/**
 * The crash test across instances (issue 16): two `paperboy digest run` processes, each with a data
 * directory of its own, on one PostgreSQL database and one real SMTP server; each is killed -9 at a
 * random point ten times and restarted. The SQLite version is test/digest-crash.test.ts.
 * Each run of `digest run` is a new process: most of the test's time is their start-up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { crashRounds, databaseWithSubscribers, deliveries, senderEnv } from './digest-senders.ts';
import { memoryMailer } from './app-helpers.ts';
import { ROOT, tempDir } from './helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';
import { startSmtpServer } from './smtp-server.ts';

const SUBSCRIBERS = 300;
const KILLS = 10;
// Short so that the test does not wait a minute for the leases of killed runs (see digest-crash.test.ts).
const LEASE_MS = 1500;

describe('digest senders on one PostgreSQL database, crashing', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  it(`two instances, each SIGKILLed at random ${KILLS} times and restarted, ${SUBSCRIBERS} subscribers: everyone gets exactly one distinct digest`, async (t) => {
    const url = await cluster.createDatabase();
    await databaseWithSubscribers(url, SUBSCRIBERS);
    // Planned once up front, as the senders' environment would plan them (same secret and URL): each
    // `digest run` below then finds the day planned and only sends, and the first round does not
    // compose 600 digests on a loaded machine. Planning by several runs at once is covered by the
    // subscription contract (enqueueDigest is idempotent).
    const env = senderEnv(tempDir(), 25, { PAPERBOY_DATABASE_URL: url });
    const planner = await composeServices(loadConfig({ env, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off' } }), { embedder: null, index: 'memory', logger: silentLogger });
    try {
      const { digests } = await planner.digests('https://paperboy.test', memoryMailer());
      assert.equal((await digests.plan({ date: '2024-01-10' })).planned, SUBSCRIBERS);
    } finally {
      await planner.close();
    }
    const smtp = await startSmtpServer({ delayMs: 10 });
    // Two instances, each with its own data directory. Each round starts both; each is killed right
    // after the n-th mail of the round reaches the server (n random, its own), then both start again.
    const senders = [tempDir(), tempDir()].map((data) => ({
      data, env: senderEnv(data, smtp.port, { PAPERBOY_DATABASE_URL: url, PAPERBOY_DIGEST_LEASE_MS: String(LEASE_MS), PAPERBOY_DIGEST_RATE_PER_MINUTE: '1000000' }),
    }));
    // After the last round the killed runs' claims expire; then both instances finish the outbox at once.
    const { kills, killedAt } = await crashRounds(smtp, senders, { rounds: KILLS, maxMails: 8, leaseMs: LEASE_MS, seed: 7 });

    const d = deliveries(smtp.received, SUBSCRIBERS);
    const report = `${kills} kills, ${killedAt} deliveries before the final runs, ${smtp.received.length} SMTP deliveries for ${SUBSCRIBERS} subscribers; ${d.redeliveries} re-deliveries of an already accepted digest (same Message-ID) to ${d.repeated.length} subscribers`;
    t.diagnostic(report);
    console.log(`digest crash across instances: ${report}`);
    assert.ok(kills >= 2 * KILLS - 2, `only ${kills} runs were killed`);
    assert.ok(killedAt > 0 && killedAt < SUBSCRIBERS, `the kills landed while sending (${killedAt} delivered before the final runs)`);
    assert.deepEqual(d.missing, [], 'no subscriber is skipped');
    assert.deepEqual(d.twoDigests, [], 'no subscriber gets two different digests');
    // A re-delivery needs a kill between the server's acceptance and our record: at most one per kill.
    assert.ok(d.redeliveries <= kills, `${d.redeliveries} re-deliveries for ${kills} kills`);
    const check = await composeServices(loadConfig({ env: { PAPERBOY_DATABASE_URL: url }, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off' } }), { embedder: null, index: 'memory', logger: silentLogger });
    try {
      assert.deepEqual(await check.stores.subscriptions.counts(), { pending: 0, sending: 0, sent: SUBSCRIBERS, failed: 0, empty: 0 });
    } finally {
      await check.close();
      await smtp.close();
    }
  });
});
