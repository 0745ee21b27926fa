import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDigestService, DEFAULT_PREFERENCES, DIGEST_DEFAULTS, RECOMMENDED_TITLE } from '../../src/app/digests.ts';
import { silentLogger, type Logger } from '../../src/ports/logger.ts';
import { BASE_URL, client, signIn, TEST_SECRET } from '../app-helpers.ts';
import { recsApp, topicIds } from './recs-app.ts';

type T = Awaited<ReturnType<typeof recsApp>>['t'];
const SPEECH = topicIds(1);

/** An active subscriber, subscribed while signed in (so with an account), and their preferences token. */
async function subscribedReader(t: T, email: string) {
  const c = client(t.app);
  await signIn(c, t.mailer as never, email);
  const user = await t.accountStore.findOrCreateUser(email, '2024-01-10T00:00:00Z');
  const hash = email.replace(/\W/g, '').padEnd(64, 'a').slice(0, 64);
  await t.subscriptions.requestSubscription({ email, tokenHash: hash, now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: { ...DEFAULT_PREFERENCES, maxPapers: 4 }, timeZoneChosen: false, userId: user.id });
  const subscriber = (await t.subscriptions.confirm(hash, '2024-01-10T01:00:00Z'))!;
  return { c, user, subscriber, token: t.digests.preferencesToken(subscriber.id) };
}

/** Paper ids per section of a digest's text ("== Title ==" then one paper link per paper). */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of text.split(/^== /m).slice(1)) {
    const title = part.slice(0, part.indexOf(' =='));
    out.set(title, [...part.matchAll(/\/papers\/(\d{4}\.\d{5})/g)].map((m) => m[1]!));
  }
  return out;
}

describe('the digest\'s "Recommended for you" section', () => {
  it('is off until the reader opts in, then recommends papers that are neither in the trending list nor ever sent before', async () => {
    const { t, topicOf } = await recsApp({ rateLimits: null });
    const { c, subscriber, token } = await subscribedReader(t, 'digest-reader@example.org');
    for (const id of SPEECH.slice(0, 3)) await c.form(`/papers/${id}/save`, { on: '1' });

    const off = await t.digests.plan({ date: '2026-02-23', dryRun: true });
    assert.equal(off.previews.length, 1);
    assert.ok(!sections(off.previews[0]!.text).has(RECOMMENDED_TITLE), 'off by default');

    const prefs = await (await c.request(`/preferences?token=${token}`)).text();
    assert.match(prefs, /<input id="pref-recommended" type="checkbox" name="recommendations" value="1"\/><label for="pref-recommended">Recommended for you/);
    assert.equal((await c.form('/preferences', { token, action: 'save', dailyTrending: '1', recommendations: '1', sendHour: '7', timeZone: 'UTC', maxPapers: '4' })).status, 303);
    assert.equal((await t.subscriptions.getSubscriber(subscriber.id))!.recommendations, true);

    // First digest: the week up to 2026-02-23 (six papers, two per topic); four papers at most.
    assert.equal((await t.digests.plan({ date: '2026-02-23' })).planned, 1);
    const first = (await t.subscriptions.digestFor(subscriber.id, '2026-02-23'))!;
    const one = sections(first.text);
    const trending = one.get('Trending papers') ?? [];
    const recommended = one.get(RECOMMENDED_TITLE) ?? [];
    assert.ok(recommended.length > 0, first.text);
    assert.equal(topicOf.get(recommended[0]!), 1, 'the best recommendation is a speech paper, like the saved ones');
    assert.deepEqual(recommended.filter((id) => trending.includes(id)), [], 'no paper of the trending list again');
    assert.match(first.text, /because you saved “/, 'each recommendation says why');
    assert.deepEqual(new Set(first.paperIds), new Set([...trending, ...recommended]));
    assert.deepEqual(await t.digests.send(), { sent: 1, retried: 0, failed: 0 });

    // Second digest: a wide window (since the last digest), and no paper of the first one again.
    assert.equal((await t.digests.plan({ date: '2026-02-24' })).planned, 1);
    const second = (await t.subscriptions.digestFor(subscriber.id, '2026-02-24'))!;
    const two = sections(second.text);
    assert.ok((two.get(RECOMMENDED_TITLE) ?? []).length > 0, second.text);
    assert.deepEqual(second.paperIds.filter((id) => first.paperIds.includes(id)), [], 'never a paper twice');
    assert.deepEqual((two.get(RECOMMENDED_TITLE) ?? []).filter((id) => (two.get('Trending papers') ?? []).includes(id)), []);
    for (const id of two.get(RECOMMENDED_TITLE)!) assert.ok(!SPEECH.slice(0, 3).includes(id), 'rated papers are not recommended');

    // Opting out again: no section.
    await c.form('/preferences', { token, action: 'save', dailyTrending: '1', sendHour: '7', timeZone: 'UTC', maxPapers: '4' });
    assert.ok(!sections((await t.digests.plan({ date: '2026-02-25', dryRun: true })).previews[0]!.text).has(RECOMMENDED_TITLE));
  });

  it('is offered only with an account; the preferences page links to the private feed, which only the signed-in owner may renew there', async () => {
    const { t } = await recsApp({ rateLimits: null });
    await t.subscriptions.requestSubscription({ email: 'anon@example.org', tokenHash: 'b'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
    const anon = (await t.subscriptions.confirm('b'.repeat(64), '2024-01-10T01:00:00Z'))!;
    const c = client(t.app);
    await c.session();
    const anonToken = t.digests.preferencesToken(anon.id);
    const anonPage = await (await c.request(`/preferences?token=${anonToken}`)).text();
    assert.doesNotMatch(anonPage, /pref-recommended/);
    assert.match(anonPage, /Recommendations for you need an account/);
    assert.doesNotMatch(anonPage, /feed-url/);
    await c.form('/preferences', { token: anonToken, action: 'save', dailyTrending: '1', recommendations: '1', sendHour: '7', timeZone: 'UTC', maxPapers: '4' });
    assert.equal((await t.subscriptions.getSubscriber(anon.id))!.recommendations, false, 'without an account it cannot be turned on');

    const { c: reader, token } = await subscribedReader(t, 'feed-prefs@example.org');
    const feedOf = async () => /<input id="feed-url" class="feed-url" type="text" readonly="" value="([^"]+)"/.exec(await (await reader.request('/for-you')).text())![1]!.replaceAll('&amp;', '&');
    const before = await feedOf();
    assert.equal((await t.app.request(before)).status, 200);
    // Whoever holds the link of a digest (a forwarded mail): the settings, never the feed.
    const stranger = client(t.app);
    await stranger.session();
    const page = await stranger.request(`/preferences?token=${token}`);
    assert.equal(page.headers.get('cache-control'), 'private, no-store');
    const html = await page.text();
    assert.doesNotMatch(html, /feeds\/for-you|feed-url/, 'no feed address on the preferences page');
    assert.match(html, /<a href="\/for-you#feed">your For you page<\/a>/);
    assert.doesNotMatch(html, /value="renew-feed"/, 'no revoke button for someone not signed in as the owner');
    const refused = await stranger.form('/preferences', { token, action: 'renew-feed' });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /sign in to the account of this subscription/);
    assert.equal((await t.app.request(before)).status, 200, 'still the same address');
    // The signed-in owner may renew it here too.
    assert.match(await (await reader.request(`/preferences?token=${token}`)).text(), /value="renew-feed"/);
    assert.equal((await reader.form('/preferences', { token, action: 'renew-feed' })).status, 303);
    const after = await feedOf();
    assert.notEqual(after, before);
    assert.equal((await t.app.request(before)).status, 403, 'the old address is revoked');
    assert.equal((await t.app.request(after)).status, 200);
  });
});

describe('linking a digest subscription to an account', () => {
  it('links only the signed-in reader\'s own address, an active subscription included', async () => {
    const { t } = await recsApp({ rateLimits: null });
    const a = client(t.app);
    await signIn(a, t.mailer as never, 'reader-a@example.org');
    // A subscribes someone else's address: B's subscription must not learn from A's ratings.
    assert.equal((await a.form('/subscribe', { email: 'reader-b@example.org' })).status, 200);
    assert.equal((await t.subscriptions.findSubscriber('reader-b@example.org'))!.userId, null);
    assert.equal((await a.api('POST', '/api/subscriptions', { email: 'Reader-B@example.org' })).status, 202);
    assert.equal((await t.subscriptions.findSubscriber('reader-b@example.org'))!.userId, null, 'nor through the API');

    // An active subscriber without an account signs in with that address and subscribes again: linked, no new mail.
    await t.subscriptions.requestSubscription({ email: 'reader-c@example.org', tokenHash: 'c'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
    const sub = (await t.subscriptions.confirm('c'.repeat(64), '2024-01-10T01:00:00Z'))!;
    const c = client(t.app);
    await signIn(c, t.mailer as never, 'reader-c@example.org');
    const mails = (t.mailer as unknown as { sent: unknown[] }).sent.length;
    assert.equal((await c.form('/subscribe', { email: 'reader-c@example.org' })).status, 200);
    const linked = (await t.subscriptions.getSubscriber(sub.id))!;
    assert.equal(linked.userId, (await t.accountStore.findOrCreateUser('reader-c@example.org', '2024-01-10T00:00:00Z')).id);
    assert.equal(linked.status, 'active');
    assert.equal((t.mailer as unknown as { sent: unknown[] }).sent.length, mails, 'no confirmation mail for an active subscription');
    const prefs = await (await c.request(`/preferences?token=${t.digests.preferencesToken(sub.id)}`)).text();
    assert.match(prefs, /id="pref-recommended"/, 'the box is offered now');
  });
});

describe('the digest when one reader\'s recommendations fail', () => {
  it('plans and sends every digest when one reader\'s recommendations throw, leaving only that section out and logging the subscriber (not the address)', async () => {
    const { t } = await recsApp({ rateLimits: null });
    const a = await subscribedReader(t, 'broken-recs@example.org');
    const b = await subscribedReader(t, 'fine-recs@example.org');
    for (const r of [a, b]) await t.subscriptions.setRecommendations(r.subscriber.id, true);
    const warnings: { event: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = { ...silentLogger, warn: (event, fields) => warnings.push({ event, ...(fields ? { fields } : {}) }) };
    const digests = createDigestService({
      subscriptions: t.subscriptions, catalog: t.catalog, mailer: t.mailer, mail: { enqueue: () => true }, clock: t.clock, logger, secret: TEST_SECRET, baseUrl: BASE_URL,
      recommendations: async (userId) => {
        if (userId === a.user.id) throw new Error('index unreadable');
        return [{ id: SPEECH[13]!, title: 'A recommended paper', authors: [], abstract: '', date: '2026-02-22', note: 'because you saved “x”' }];
      },
    }, { ...DIGEST_DEFAULTS, ratePerMinute: 1_000_000 });
    assert.equal((await digests.plan({ date: '2026-02-23' })).planned, 2, 'both digests are planned');
    assert.deepEqual(await digests.send(), { sent: 2, retried: 0, failed: 0 });
    assert.ok(!sections((await t.subscriptions.digestFor(a.subscriber.id, '2026-02-23'))!.text).has(RECOMMENDED_TITLE));
    assert.deepEqual(sections((await t.subscriptions.digestFor(b.subscriber.id, '2026-02-23'))!.text).get(RECOMMENDED_TITLE), [SPEECH[13]]);
    assert.deepEqual(warnings, [{ event: 'digest.recommendations_failed', fields: { subscriberId: a.subscriber.id, period: '2026-02-23', message: 'index unreadable' } }]);
  });

});
