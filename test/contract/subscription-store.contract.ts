/**
 * The contract of the SubscriptionStore port (src/ports/subscription-store.ts) and of the MailLog
 * (src/ports/mail-log.ts), run against every adapter (subscription-store.test.ts). "At once" below is
 * two calls in flight together: for PostgreSQL on two pool connections.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MailLog } from '../../src/ports/mail-log.ts';
import type { Digest, DigestDraft, Preferences, SubscriptionStore } from '../../src/ports/subscription-store.ts';

/** How the suite gets stores of one adapter on one new database. */
export interface SubscriptionStoreHarness {
  /** `newUser`: an account in the same database (subscriptions link to accounts); its id. */
  newDatabase(): Promise<{ subscriptions: SubscriptionStore; mailLog: MailLog; newUser(email: string): Promise<number>; close(): Promise<void> }>;
}

const NOW = '2024-01-10T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
const PREFS: Preferences = { dailyTrending: true, sendHour: 7, timeZone: 'UTC', skipWeekends: false, maxPapers: 10 };
const request = (email: string, tokenHash: string, now = NOW, userId: number | null = null) =>
  ({ email, tokenHash, now, expiresAt: new Date(Date.parse(now) + 3_600_000).toISOString(), preferences: PREFS, timeZoneChosen: false, userId });
const draft = (subscriberId: number, period: string, paperIds = ['2401.00001', '2401.00002']): DigestDraft => ({
  subscriberId, period, idempotencyKey: `${subscriberId}:${period}`, messageId: `<${subscriberId}.${period}@paperboy.test>`, subject: `Digest ${period}`,
  text: 'text body', html: '<p>html body</p>', headers: { 'List-Unsubscribe': '<https://paperboy.test/u>' }, paperIds,
});

/** Calls in flight together, after as many that open the connections they need (a pool opens them on demand). */
async function atOnce<T>(calls: (() => Promise<T>)[], warm: () => Promise<unknown>): Promise<T[]> {
  await Promise.all(calls.map(() => warm()));
  return Promise.all(calls.map((call) => call()));
}

export function subscriptionStoreContract(harness: SubscriptionStoreHarness): void {
  async function active(subscriptions: SubscriptionStore, email: string) {
    await subscriptions.requestSubscription(request(email, `t-${email}`));
    return (await subscriptions.confirm(`t-${email}`, at(1)))!;
  }

  it('runs a double opt-in: one pending confirmation per address, confirmed once, before it expires', async () => {
    const { subscriptions, close } = await harness.newDatabase();
    const warm = () => subscriptions.findSubscriber('warm@example.org');
    const results = await atOnce([() => subscriptions.requestSubscription(request('ada@example.org', 't1')), () => subscriptions.requestSubscription(request('ada@example.org', 't2'))], warm);
    assert.deepEqual(results.sort(), ['created', 'pending'], 'two requests at once: one confirmation');
    // Whichever request stored its token: that one confirms, the other token is unknown.
    const token = (await subscriptions.confirm('t1', at(1))) ? 't1' : 't2';
    if (token === 't2') assert.ok(await subscriptions.confirm('t2', at(1)));
    assert.equal(await subscriptions.confirm(token, at(2)), null, 'confirmed once');
    const ada = (await subscriptions.findSubscriber('ada@example.org'))!;
    assert.deepEqual({ ...ada, id: 0 }, {
      id: 0, email: 'ada@example.org', status: 'active', createdAt: NOW, confirmedAt: at(1), lastDigestAt: null, permanentFailures: 0,
      timeZoneChosen: false, userId: null, recommendations: false, ...PREFS,
    });
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 't3')), 'active');
    await subscriptions.requestSubscription(request('kurt@example.org', 'k1'));
    assert.equal(await subscriptions.confirm('k1', at(60)), null, 'expired at its expiry time');
    assert.equal(await subscriptions.requestSubscription(request('kurt@example.org', 'k2', at(61))), 'created', 'an expired confirmation starts again');
    assert.equal((await subscriptions.confirm('k2', at(62)))?.email, 'kurt@example.org');
    assert.equal(await subscriptions.getSubscriber(987654), null);
    assert.equal(await subscriptions.findSubscriber('nobody@example.org'), null);
    assert.deepEqual((await subscriptions.activeSubscribers()).map((s) => s.email), ['ada@example.org', 'kurt@example.org']);
    await close();
  });

  it('saves preferences, unsubscribes from everything or one topic, and caps topics even when added at once', async () => {
    const { subscriptions, close } = await harness.newDatabase();
    const ada = await active(subscriptions, 'ada@example.org');
    await subscriptions.updatePreferences(ada.id, { dailyTrending: false, sendHour: 18, timeZone: 'Europe/Paris', skipWeekends: true, maxPapers: 25 });
    const saved = (await subscriptions.getSubscriber(ada.id))!;
    assert.deepEqual([saved.dailyTrending, saved.sendHour, saved.timeZone, saved.skipWeekends, saved.maxPapers, saved.timeZoneChosen], [false, 18, 'Europe/Paris', true, 25, true]);
    assert.equal(saved.recommendations, false, '"Recommended for you" is off by default');
    await subscriptions.setRecommendations(ada.id, true);
    assert.equal((await subscriptions.getSubscriber(ada.id))!.recommendations, true);
    await subscriptions.updatePreferences(ada.id, { dailyTrending: true, sendHour: 18, timeZone: 'Europe/Paris', skipWeekends: true, maxPapers: 25 });
    assert.equal((await subscriptions.getSubscriber(ada.id))!.recommendations, true, 'saving the other preferences keeps the opt-in');
    await subscriptions.setRecommendations(ada.id, false);
    assert.equal((await subscriptions.getSubscriber(ada.id))!.recommendations, false);
    const topic = { subscriberId: ada.id, kind: 'search' as const, query: 'graph retrieval', filters: { categories: ['cs.IR'], author: 'Lovelace' }, frequency: 'daily' as const, createdAt: NOW };
    const added = await atOnce([1, 2, 3, 4].map((i) => () => subscriptions.addTopic({ ...topic, query: `q${i}` }, 3)), () => subscriptions.topics(ada.id));
    assert.equal(added.filter(Boolean).length, 3, 'never more than the cap');
    const first = (await subscriptions.topics(ada.id))[0]!;
    assert.deepEqual({ ...first, id: 0, query: '' }, { ...topic, id: 0, query: '' });
    assert.equal((await subscriptions.topics(ada.id, 2)).length, 2);
    await subscriptions.unsubscribe(ada.id, first.id, at(5));
    assert.equal((await subscriptions.topics(ada.id)).length, 2);
    assert.ok(await subscriptions.addTopic(topic, 3), 'an unsubscribed topic frees its place');
    await subscriptions.unsubscribe(ada.id, null, at(6));
    assert.equal((await subscriptions.getSubscriber(ada.id))?.status, 'unsubscribed');
    assert.deepEqual(await subscriptions.activeSubscribers(), []);
    await close();
  });

  it('enqueues a digest once per idempotency key and reserves its papers', async () => {
    const { subscriptions, close } = await harness.newDatabase();
    const ada = await active(subscriptions, 'ada@example.org');
    assert.equal(await subscriptions.enqueueDigest(draft(ada.id, '2024-01-10'), 'pending', at(10)), true);
    assert.equal(await subscriptions.enqueueDigest(draft(ada.id, '2024-01-10', ['2401.00009']), 'pending', at(11)), false, 'the first one wins');
    assert.equal(await subscriptions.enqueueDigest(draft(ada.id, '2024-01-11', []), 'empty', at(12)), true);
    assert.deepEqual(await subscriptions.papersSent(ada.id), new Set(['2401.00001', '2401.00002']));
    const digest = (await subscriptions.digestFor(ada.id, '2024-01-10'))!;
    assert.deepEqual(digest, {
      ...draft(ada.id, '2024-01-10'), id: digest.id, state: 'pending', attempts: 0, nextAttemptAt: at(10), createdAt: at(10), sentAt: null, lastError: null,
      email: 'ada@example.org',
    });
    assert.deepEqual(await subscriptions.getDigest(digest.id), digest);
    assert.equal(await subscriptions.getDigest(987654), null);
    assert.equal(await subscriptions.digestFor(ada.id, '2024-01-12'), null);
    assert.equal((await subscriptions.getSubscriber(ada.id))?.lastDigestAt, at(12));
    assert.deepEqual(await subscriptions.counts(), { pending: 1, sending: 0, sent: 0, failed: 0, empty: 1 });
    await close();
  });

  it('claims each due digest for one sender only, even when two claim at once, and takes over expired leases', async () => {
    const { subscriptions, close } = await harness.newDatabase();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await active(subscriptions, `reader${i}@example.org`);
      await subscriptions.enqueueDigest(draft(s.id, '2024-01-10'), 'pending', at(i));
      ids.push((await subscriptions.digestFor(s.id, '2024-01-10'))!.id);
    }
    const [a, b] = await atOnce([
      () => subscriptions.claimDigests({ owner: 'A', limit: 4, now: at(5), leaseUntil: at(10) }),
      () => subscriptions.claimDigests({ owner: 'B', limit: 4, now: at(5), leaseUntil: at(10) }),
    ], () => subscriptions.counts()) as [Digest[], Digest[]];
    const claimed = [...a, ...b].map((d) => d.id).sort((x, y) => x - y);
    assert.deepEqual(claimed, ids, 'every due digest claimed once');
    assert.ok([...a, ...b].every((d) => d.state === 'sending' && d.attempts === 1));
    for (const claim of [a, b]) assert.deepEqual(claim.map((d) => d.id), [...claim.map((d) => d.id)].sort((x, y) => x - y), 'oldest first');
    assert.deepEqual(await subscriptions.claimDigests({ owner: 'C', limit: 10, now: at(6), leaseUntil: at(11) }), [], 'live leases are left alone');

    const mine = a[0]!.id;
    assert.equal(await subscriptions.holdsLease(mine, 'A', at(6)), true);
    assert.equal(await subscriptions.holdsLease(mine, 'B', at(6)), false);
    assert.equal(await subscriptions.markSent(mine, 'B', '<x>', at(6)), false, 'only the owner records the outcome');
    assert.equal(await subscriptions.renewLeases('A', at(30)), a.length);
    const taken = await subscriptions.claimDigests({ owner: 'C', limit: 10, now: at(20), leaseUntil: at(25) });
    assert.deepEqual(taken.map((d) => d.id).sort((x, y) => x - y), b.map((d) => d.id).sort((x, y) => x - y), "B stopped renewing: C takes B's digests");
    assert.ok(taken.every((d) => d.attempts === 2));
    assert.equal(await subscriptions.holdsLease(b[0]!.id, 'B', at(20)), false);
    assert.equal(await subscriptions.markSent(b[0]!.id, 'B', '<late>', at(20)), false);

    assert.equal(await subscriptions.markSent(mine, 'A', '<sent@paperboy.test>', at(21)), true);
    const sent = (await subscriptions.getDigest(mine))!;
    assert.deepEqual([sent.state, sent.messageId, sent.sentAt], ['sent', '<sent@paperboy.test>', at(21)]);
    assert.equal(await subscriptions.markSent(mine, 'A', '<again>', at(22)), false, 'recorded once');
    assert.equal(await subscriptions.markRetry(a[1]!.id, 'A', '421 try later', at(40)), true);
    const retry = (await subscriptions.getDigest(a[1]!.id))!;
    assert.deepEqual([retry.state, retry.lastError, retry.nextAttemptAt], ['pending', '421 try later', at(40)]);
    assert.deepEqual(await subscriptions.claimDigests({ owner: 'D', limit: 10, now: at(24), leaseUntil: at(45) }), [], 'not before its next attempt');
    await subscriptions.releaseClaims('C', taken.map((d) => d.id));
    assert.ok((await Promise.all(taken.map((d) => subscriptions.getDigest(d.id)))).every((d) => d?.state === 'pending' && d.attempts === 1), 'released: the attempt not counted');
    assert.deepEqual(await subscriptions.counts(), { pending: 1 + taken.length, sending: a.length - 2, sent: 1, failed: 0, empty: 0 });
    await close();
  });

  it('counts permanent failures against the address and marks it undeliverable at the limit', async () => {
    const { subscriptions, close } = await harness.newDatabase();
    const ada = await active(subscriptions, 'ada@example.org');
    for (const [i, day] of ['2024-01-10', '2024-01-11'].entries()) {
      await subscriptions.enqueueDigest(draft(ada.id, day, [`2401.0000${i}`]), 'pending', NOW);
      const [claim] = await subscriptions.claimDigests({ owner: 'A', limit: 1, now: at(1), leaseUntil: at(5) });
      assert.equal(await subscriptions.markFailed(claim!.id, 'B', '550 no such user', 2), false, 'not the owner');
      assert.equal(await subscriptions.markFailed(claim!.id, 'A', '550 no such user', 2), true);
      assert.equal((await subscriptions.getDigest(claim!.id))?.state, 'failed');
    }
    const after = (await subscriptions.getSubscriber(ada.id))!;
    assert.deepEqual([after.status, after.permanentFailures], ['undeliverable', 2]);
    await subscriptions.unsubscribe(ada.id, null, at(9));
    assert.equal((await subscriptions.getSubscriber(ada.id))?.status, 'undeliverable', 'stays undeliverable');
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 'again', at(10))), 'created', 'a new opt-in starts over');
    assert.equal((await subscriptions.findSubscriber('ada@example.org'))?.permanentFailures, 0);
    await close();
  });

  it('links a subscription to an account: kept when a request has none, relinked by a request with one, active or not', async () => {
    const { subscriptions, newUser, close } = await harness.newDatabase();
    const [ada, other] = [await newUser('ada@example.org'), await newUser('ada.other@example.org')];
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 'a1', NOW, ada)), 'created');
    assert.equal((await subscriptions.confirm('a1', at(1)))!.userId, ada, 'a non-null user id round-trips');
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 'a2', at(2))), 'active');
    assert.equal((await subscriptions.findSubscriber('ada@example.org'))!.userId, ada, 'a request without an account keeps the link');
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 'a3', at(3), other)), 'active', 'still active: no new confirmation');
    const relinked = (await subscriptions.findSubscriber('ada@example.org'))!;
    assert.equal(relinked.userId, other, 'an active subscription is linked to the account of the request');
    assert.equal(relinked.status, 'active');
    assert.equal(await subscriptions.confirm('a3', at(4)), null, 'no confirmation token was stored');
    await subscriptions.unsubscribe(relinked.id, null, at(5));
    assert.equal(await subscriptions.requestSubscription(request('ada@example.org', 'a4', at(6))), 'created');
    assert.equal((await subscriptions.confirm('a4', at(7)))!.userId, other, 'subscribing again without an account keeps the link');
    await close();
  });

  it('mail log: reserves up to the per-address and hourly caps, even at once, and releases unused reservations', async () => {
    const { mailLog, close } = await harness.newDatabase();
    const caps = { perAddressPerHour: 3, perHour: 5 };
    const reserve = (mailbox: string, now = NOW) => mailLog.reserve({ kind: 'sign-in', mailbox, now, caps });
    const burst = await atOnce([1, 2, 3, 4, 5].map(() => () => reserve('ada@example.org')), () => mailLog.release(-1));
    assert.equal(burst.filter((r) => 'id' in r).length, 3, 'never past the cap, even at once');
    assert.ok(burst.filter((r) => 'limited' in r).every((r) => 'limited' in r && r.limited === 'address'));
    const first = burst.find((r) => 'id' in r) as { id: number };
    await mailLog.release(first.id);
    assert.ok('id' in (await reserve('ada@example.org')), 'a released reservation frees its place');
    assert.ok('id' in (await reserve('kurt@example.org')));
    assert.ok('id' in (await reserve('emmy@example.org')));
    assert.deepEqual(await reserve('alan@example.org'), { limited: 'hourly' });
    assert.ok('id' in (await reserve('alan@example.org', at(61))), 'an hour later the caps start again');
    await close();
  });
}
