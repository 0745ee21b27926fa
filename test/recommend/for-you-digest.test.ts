import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PREFERENCES, RECOMMENDED_TITLE } from '../../src/app/digests.ts';
import { client, signIn } from '../app-helpers.ts';
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

  it('is offered only with an account, and the preferences page shows and renews the private feed', async () => {
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
    const feedUrl = (html: string) => /<input id="feed-url" class="feed-url" type="text" readonly="" value="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
    const before = feedUrl(await (await reader.request(`/preferences?token=${token}`)).text());
    assert.equal((await t.app.request(before)).status, 200);
    assert.equal((await reader.form('/preferences', { token, action: 'renew-feed' })).status, 303);
    const after = feedUrl(await (await reader.request(`/preferences?token=${token}`)).text());
    assert.notEqual(after, before);
    assert.equal((await t.app.request(before)).status, 403, 'the old address is revoked');
    assert.equal((await t.app.request(after)).status, 200);
  });
});
