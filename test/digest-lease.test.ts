import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDigestService, DIGEST_DEFAULTS } from '../src/app/digests.ts';
import { createCatalog } from '../src/app/catalog.ts';
import { createSearchService } from '../src/app/search/search-service.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Mailer, OutgoingMail } from '../src/ports/mailer.ts';
import { dataWithSubscribers, deliveries, runSender, senderEnv } from './digest-senders.ts';
import { fixedClock, testStore } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

const LEASE_MS = 60_000;

/** A digest service over an existing data directory, with a fixed clock and a recording logger. */
async function senderOver(data: string, mailer: Mailer) {
  const clock = fixedClock('2024-01-10T12:00:00Z');
  const { store, stores } = await testStore(data, clock);
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const record = (event: string, fields: Record<string, unknown> = {}) => void events.push({ event, fields });
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const search = createSearchService({ store, embedder: null, logger }, { now: () => clock.now() });
  await search.refresh();
  const catalog = createCatalog({ store, accounts: stores.accounts, search: async () => search, clock });
  const { subscriptions } = stores;
  const digests = createDigestService(
    { subscriptions, catalog, mailer, mail: { enqueue: () => true }, clock, logger, secret: 'lease-test-secret-lease-test-secret!!', baseUrl: 'https://paperboy.test' },
    { ...DIGEST_DEFAULTS, ratePerMinute: 1_000_000, leaseMs: LEASE_MS },
  );
  return { clock, store, subscriptions, digests, events };
}

function recordingMailer(onSend?: (mail: OutgoingMail) => Promise<void>): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    from: 'paperboy@test', sent,
    async send(mail) {
      sent.push(mail);
      await onSend?.(mail);
      return { status: 'sent', messageId: mail.messageId ?? '<x@test>', response: '250 ok' };
    },
    async close() {},
  };
}

describe('digest claims have an owner and a lease', () => {
  it('leaves a live claim alone, refuses marks by a non-owner, and takes the digests over once the lease expired', async () => {
    const data = await dataWithSubscribers(3);
    const mailer = recordingMailer();
    const s = await senderOver(data, mailer);
    assert.equal((await s.digests.plan({ date: '2024-01-10' })).planned, 3);
    // A sender that claimed the batch and was killed: its claims stay until the lease runs out.
    const now = s.clock.now();
    const dead = await s.subscriptions.claimDigests({ owner: 'killed-run', limit: 50, now: new Date(now).toISOString(), leaseUntil: new Date(now + LEASE_MS).toISOString() });
    assert.equal(dead.length, 3);
    assert.deepEqual(await s.digests.send(), { sent: 0, retried: 0, failed: 0 }, 'a live lease is not taken over');
    assert.equal(await s.subscriptions.markSent(dead[0]!.id, 'someone-else', dead[0]!.messageId, new Date(now).toISOString()), false, 'only the owner marks the outcome');
    assert.equal((await s.subscriptions.getDigest(dead[0]!.id))!.state, 'sending');
    assert.equal(mailer.sent.length, 0);

    s.clock.set(new Date(now + LEASE_MS + 1).toISOString());
    assert.deepEqual(await s.digests.send(), { sent: 3, retried: 0, failed: 0 }, 'an expired lease is taken over');
    assert.equal(mailer.sent.length, 3);
    assert.equal(await s.subscriptions.markFailed(dead[1]!.id, 'killed-run', 'late', 3), false, 'the old owner can no longer record anything');
    assert.deepEqual(await s.digests.counts(), { pending: 0, sending: 0, sent: 3, failed: 0, empty: 0 });
  });

  it('a sender that lost its lease while sending records nothing and sends no more (logged)', async () => {
    const data = await dataWithSubscribers(3);
    let other: Awaited<ReturnType<typeof senderOver>> | null = null;
    let paused = true;
    // The first run stalls on its first mail past its lease (a paused process); meanwhile another
    // run takes the batch over.
    const first = await senderOver(data, recordingMailer(async () => {
      if (!paused) return;
      paused = false;
      first.clock.set(new Date(first.clock.now() + LEASE_MS + 1).toISOString());
      other = await senderOver(data, recordingMailer());
      other.clock.set(new Date(first.clock.now()).toISOString());
      assert.deepEqual(await other.digests.send(), { sent: 3, retried: 0, failed: 0 });
    }));
    await first.digests.plan({ date: '2024-01-10' });
    assert.deepEqual(await first.digests.send(), { sent: 0, retried: 0, failed: 0 });
    assert.ok(first.events.some((e) => e.event === 'digest.not_owner' && e.fields.outcome === 'sent'), 'the refused mark is logged');
    assert.equal(first.events.filter((e) => e.event === 'digest.lease_lost').length, 2, 'the other two are left to their new owner');
    assert.deepEqual(await first.digests.counts(), { pending: 0, sending: 0, sent: 3, failed: 0, empty: 0 });
    assert.ok(other);
  });

  it('a killed sender\'s claimed digests go out once its lease expired (real processes, 1.5 s lease)', async () => {
    const SUBSCRIBERS = 20;
    const smtp = await startSmtpServer({ delayMs: 50 });
    const data = await dataWithSubscribers(SUBSCRIBERS);
    const env = senderEnv(data, smtp.port, { PAPERBOY_DIGEST_LEASE_MS: '1500', PAPERBOY_DIGEST_RATE_PER_MINUTE: '1000000' });
    // Killed as soon as its first mail arrives: it still holds the rest of its batch.
    const killed = await runSender(data, env, smtp.waitFor('reader0@example.org', 0, 30_000));
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const held = await testStore(data);
    const [{ n: stuck }] = (await held.sql<{ n: number }>("SELECT COUNT(*) AS n FROM digest_outbox WHERE state = 'sending'")) as [{ n: number }];
    await held.stores.close();
    assert.ok(stuck > 0, 'the killed run left claims behind');

    // Waiting until the lease has expired, a new run sends them.
    await new Promise((r) => setTimeout(r, 1600));
    const rerun = await runSender(data, env);
    assert.equal(rerun.code, 0, rerun.stderr);
    await new Promise((r) => setTimeout(r, 200));
    const d = deliveries(smtp.received, SUBSCRIBERS);
    assert.deepEqual(d.missing, []);
    assert.deepEqual(d.twoDigests, []);
    assert.ok(d.redeliveries <= 1, `at most the one mail in flight at the kill is delivered again (${d.redeliveries})`);
    await smtp.close();
  });
});
