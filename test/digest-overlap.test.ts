import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataWithSubscribers, deliveries, runSender, senderEnv } from './digest-senders.ts';
import { testStore } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

const SUBSCRIBERS = 60;

// Regression: claims had no owner, and a sender took over any claim older than `staleClaimMs`
// while its first sender was still sending; two `digest run` at once then mailed the same digest
// twice to most subscribers (67/100 and 93/100 with stale-claim 0, 6/100 with 5 s and a mail
// server taking 300 ms per message). Now a claim belongs to one run, which renews its lease while
// it sends, and nobody else touches it until the lease has expired.
describe('two digest senders at once against a slow mail server (300 ms per message)', { concurrency: true }, () => {
  const scenarios: [string, Record<string, string>][] = [
    ['the default settings', {}],
    // A batch (50 × 300 ms) lasts 15 times the lease: only the renewals keep the other sender off.
    ['a 1 s lease, much shorter than a batch', { PAPERBOY_DIGEST_LEASE_MS: '1000' }],
  ];
  for (const [name, extra] of scenarios) {
    it(`with ${name}, every subscriber gets exactly one digest, delivered once`, async (t) => {
      const smtp = await startSmtpServer({ delayMs: 300 });
      const data = await dataWithSubscribers(SUBSCRIBERS);
      const env = senderEnv(data, smtp.port, extra);
      const [a, b] = await Promise.all([runSender(data, env), runSender(data, env)]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      await new Promise((r) => setTimeout(r, 200));
      const d = deliveries(smtp.received, SUBSCRIBERS);
      t.diagnostic(`${smtp.received.length} SMTP deliveries for ${SUBSCRIBERS} subscribers`);
      assert.deepEqual(d.missing, [], 'no subscriber is skipped');
      assert.deepEqual(d.twoDigests, [], 'no subscriber gets two different digests');
      assert.deepEqual(d.repeated, [], 'no digest is delivered twice');
      const check = await testStore(data);
      assert.deepEqual(await check.stores.subscriptions.counts(), { pending: 0, sending: 0, sent: SUBSCRIBERS, failed: 0, empty: 0 });
      await smtp.close();
    });
  }
});
