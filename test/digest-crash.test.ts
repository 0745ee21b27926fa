import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataWithSubscribers, deliveries, runSender, senderEnv } from './digest-senders.ts';
import { testStore } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

const SUBSCRIBERS = 220;
const ROUNDS = 10;
// Short so that the test does not wait a minute for the leases of killed runs; the default lease
// is what test/digest-overlap.test.ts runs with. The lease only decides how long a killed run's
// claims wait: never whether anything is sent twice.
const LEASE_MS = 1500;

describe('digest sender crash safety', () => {
  it(`two senders at once, SIGKILLed at random ${ROUNDS} times each during a batch of ${SUBSCRIBERS}: every subscriber ends with exactly one digest`, async (t) => {
    const smtp = await startSmtpServer({ delayMs: 25 });
    const data = await dataWithSubscribers(SUBSCRIBERS);
    const env = senderEnv(data, smtp.port, { PAPERBOY_DIGEST_LEASE_MS: String(LEASE_MS), PAPERBOY_DIGEST_RATE_PER_MINUTE: '1000000' });

    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let kills = 0;
    for (let i = 0; i < ROUNDS; i++) {
      // Each sender is killed right after the n-th mail of the round reaches the server (n random).
      const before = smtp.received.length;
      const roundOver = new AbortController();
      const killAt = () => smtp.waitForCount(before + 1 + Math.floor(random() * 15), roundOver.signal);
      const results = await Promise.all([runSender(data, env, killAt()), runSender(data, env, killAt())]);
      roundOver.abort();
      for (const result of results) {
        if (result.signal === 'SIGKILL') kills++;
        else assert.equal(result.code, 0, result.stderr);
      }
    }
    const killedAt = smtp.received.length;
    // The claims of the last killed runs expire; then two senders at once finish the outbox.
    await new Promise((r) => setTimeout(r, LEASE_MS + 200));
    const final = await Promise.all([runSender(data, env), runSender(data, env)]);
    for (const result of final) assert.equal(result.code, 0, result.stderr);
    await new Promise((r) => setTimeout(r, 300));

    const d = deliveries(smtp.received, SUBSCRIBERS);
    t.diagnostic(`${kills} kills, ${killedAt} deliveries before the final runs, ${smtp.received.length} SMTP deliveries for ${SUBSCRIBERS} subscribers; ${d.redeliveries} re-deliveries of an already accepted digest (same Message-ID)`);
    assert.ok(kills >= 8, `only ${kills} runs were killed`);
    assert.ok(killedAt > 0 && killedAt < SUBSCRIBERS, `the kills landed while sending (${killedAt} delivered before the final runs)`);
    assert.deepEqual(d.missing, [], 'no subscriber is skipped');
    assert.deepEqual(d.twoDigests, [], 'no subscriber gets two different digests');
    // A re-delivery needs a kill between the server's acceptance and our record: at most one per kill.
    assert.ok(d.redeliveries <= kills, `${d.redeliveries} re-deliveries for ${kills} kills`);
    const check = await testStore(data);
    const counts = await check.stores.subscriptions.counts();
    assert.deepEqual(counts, { pending: 0, sending: 0, sent: SUBSCRIBERS, failed: 0, empty: 0 });
    await smtp.close();
  });
});
