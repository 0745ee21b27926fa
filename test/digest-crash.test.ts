import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashRounds, dataWithSubscribers, deliveries, senderEnv } from './digest-senders.ts';
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

    // Each sender is killed right after the n-th mail of a round reaches the server (n random, up to
    // 15); then two senders at once finish the outbox.
    const senders = [{ data, env }, { data, env }];
    const { kills, killedAt } = await crashRounds(smtp, senders, { rounds: ROUNDS, maxMails: 15, leaseMs: LEASE_MS, seed: 42 });

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
