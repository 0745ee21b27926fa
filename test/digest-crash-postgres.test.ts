/**
 * The crash test across instances (issue 16): two `paperboy digest run` processes, each with a data
 * directory of its own, on one PostgreSQL database and one real SMTP server; each is killed -9 at a
 * random point ten times and restarted. The SQLite version is test/digest-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { databaseWithSubscribers, deliveries, runSender, senderEnv } from './digest-senders.ts';
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
    const smtp = await startSmtpServer({ delayMs: 10 });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let kills = 0;

    // One instance: its own data directory; killed right after the n-th mail that reaches the
    // server from then on (n random, either sender's), then started again; KILLS times.
    const instance = async () => {
      const data = tempDir();
      const env = senderEnv(data, smtp.port, { PAPERBOY_DATABASE_URL: url, PAPERBOY_DIGEST_LEASE_MS: String(LEASE_MS), PAPERBOY_DIGEST_RATE_PER_MINUTE: '1000000' });
      for (let i = 0; i < KILLS; i++) {
        const stop = new AbortController();
        const killAt = smtp.waitForCount(smtp.received.length + 1 + Math.floor(random() * 8), stop.signal);
        const result = await runSender(data, env, killAt);
        stop.abort();
        if (result.signal === 'SIGKILL') kills++;
        else assert.equal(result.code, 0, result.stderr);
      }
      return { data, env };
    };
    const senders = await Promise.all([instance(), instance()]);
    const killedAt = smtp.received.length;
    // The claims of the last killed runs expire; then both instances finish the outbox at once.
    await new Promise((r) => setTimeout(r, LEASE_MS + 200));
    const final = await Promise.all(senders.map(({ data, env }) => runSender(data, env)));
    for (const result of final) assert.equal(result.code, 0, result.stderr);
    await new Promise((r) => setTimeout(r, 300));

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
