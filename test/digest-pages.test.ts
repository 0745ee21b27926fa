import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PREFERENCES } from '../src/app/digests.ts';
import { BASE_URL, client, signIn, testApp } from './app-helpers.ts';
import { dataWithSubscribers } from './digest-senders.ts';
import { fixture, runPaperboy } from './helpers.ts';

type T = Awaited<ReturnType<typeof testApp>>;

/** An active subscriber and the path of their preferences page. */
async function activeSubscriber(t: T, email: string) {
  await t.subscriptions.requestSubscription({ email, tokenHash: 'a'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
  const subscriber = (await t.subscriptions.confirm('a'.repeat(64), '2024-01-10T01:00:00Z'))!;
  const token = t.digests.preferencesToken(subscriber.id);
  return { subscriber, token, path: `/preferences?token=${token}` };
}

describe('the preferences page', () => {
  it('lays out each field with its own label, offers UTC first and preselected, and suggests the browser zone until one is chosen', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const c = client(t.app);
    await c.session();
    const { token, path } = await activeSubscriber(t, 'zone@example.org');
    const html = await (await c.request(path)).text();
    // Regression: labels wrapped their inputs inline, so the page read "Skip weekendsAt most".
    assert.match(html, /<div class="check"><input id="pref-weekends" type="checkbox" name="skipWeekends" value="1"\/><label for="pref-weekends">Skip weekends<\/label><\/div>/);
    assert.match(html, /<div class="row"><label for="pref-max">Papers per mail, at most<\/label><input id="pref-max" type="number" name="maxPapers"/);
    for (const id of ['pref-trending', 'pref-weekends', 'pref-hour', 'pref-zone', 'pref-max', 'topic-kind', 'topic-query', 'topic-category', 'topic-frequency']) {
      assert.match(html, new RegExp(`<label for="${id}">`), `a label for #${id}`);
      assert.match(html, new RegExp(`id="${id}"`));
    }
    // Regression: UTC was missing from the list, so the first zone (Africa/Abidjan) was saved.
    assert.match(html, /<select id="pref-zone" name="timeZone" data-browser-zone="suggest"><option value="UTC" selected="">UTC<\/option><option value="Africa\/Abidjan">/);
    const css = await (await c.request('/assets/app.css')).text();
    assert.match(css, /\.preferences \.row \{ display: grid;/);
    const js = await (await c.request('/assets/app.js')).text();
    assert.match(js, /select\[data-browser-zone="suggest"\]/);

    assert.equal((await c.form('/preferences', { token, action: 'save', dailyTrending: '1', sendHour: '8', timeZone: 'Europe/Paris', maxPapers: '4' })).status, 303);
    const saved = await (await c.request(path)).text();
    assert.match(saved, /<select id="pref-zone" name="timeZone">/, 'a chosen zone is not overridden by the browser');
    assert.match(saved, /<option value="Europe\/Paris" selected="">/);
  });

  it('styles "Unsubscribe from everything" as a danger button in its own form, apart from Save', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const c = client(t.app);
    await c.session();
    const { path } = await activeSubscriber(t, 'danger@example.org');
    const html = await (await c.request(path)).text();
    const forms = html.match(/<form method="post" action="\/preferences"[\s\S]*?<\/form>/g)!;
    const save = forms.find((f) => f.includes('value="save"'))!;
    const stop = forms.find((f) => f.includes('value="unsubscribe"'))!;
    assert.match(save, /<button type="submit">Save preferences<\/button>/);
    assert.match(stop, /class="danger-zone"/);
    assert.match(stop, /<button type="submit" class="danger">Unsubscribe from everything<\/button>/);
    assert.ok(!save.includes('danger'));
  });

  it('limits topics to 20 per subscriber, with a 400 that names the field, and plans at most 20 topic searches', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const c = client(t.app);
    await c.session();
    const { subscriber, token, path } = await activeSubscriber(t, 'topics@example.org');
    for (let i = 0; i < 20; i++) {
      assert.equal((await c.form('/preferences', { token, action: 'add-topic', kind: 'search', query: `retrieval ${i}`, category: '', frequency: 'daily' })).status, 303);
    }
    const refused = await c.form('/preferences', { token, action: 'add-topic', kind: 'search', query: 'one too many', category: '', frequency: 'daily' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /field query: you already follow 20 topics, the most a subscription may have/);
    const api = await c.request('/preferences', { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': c.csrf }, body: new URLSearchParams({ _csrf: c.csrf, token, action: 'add-topic', kind: 'author', query: 'Ada', frequency: 'daily' }).toString() });
    assert.equal(api.status, 400);
    assert.equal(((await api.json()) as { error: { parameter: string } }).error.parameter, 'query');
    assert.equal((await t.digests.topics(subscriber.id)).length, 20);
    assert.match(await (await c.request(path)).text(), /You follow 20 topics, the most a subscription may have/);

    // A database from before the limit may hold more: planning still searches for 20 at most.
    for (let i = 0; i < 30; i++) await t.subscriptions.addTopic({ subscriberId: subscriber.id, kind: 'search', query: `legacy ${i}`, filters: {}, frequency: 'daily', createdAt: '2024-01-01T00:00:00Z' }, 1000);
    let searches = 0;
    const topicMatches = t.catalog.topicMatches.bind(t.catalog);
    t.catalog.topicMatches = (...args) => {
      searches++;
      return topicMatches(...args);
    };
    const preview = await t.digests.plan({ date: '2024-01-10', dryRun: true });
    assert.equal(preview.previews.length, 1);
    assert.equal(searches, 20);
  });
});

describe('subscribing', () => {
  it('prefills the address of a signed-in reader, keeps what was typed on an error, and saves the browser time zone sent by the form', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const c = client(t.app);
    await signIn(c, t.mailer as never, 'me@example.org');
    const page = await (await c.request('/subscribe')).text();
    assert.match(page, /<input id="sub-email" type="email" name="email" required="" autocomplete="email" maxlength="254" value="me@example.org"\/>/);
    assert.match(page, /<input type="hidden" name="timeZone" value="" data-browser-zone="fill"\/>/);
    const bad = await c.form('/subscribe', { email: 'not an address' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /value="not an address"/);

    await c.form('/subscribe', { email: 'me@example.org', timeZone: 'Europe/Paris' });
    const me = (await t.subscriptions.findSubscriber('me@example.org'))!;
    assert.deepEqual([me.timeZone, me.timeZoneChosen], ['Europe/Paris', true]);
    await c.form('/subscribe', { email: 'other@example.org', timeZone: 'Mars/Olympus' });
    const other = (await t.subscriptions.findSubscriber('other@example.org'))!;
    assert.deepEqual([other.timeZone, other.timeZoneChosen], ['UTC', false], 'an unknown zone is ignored');
  });

  it('the one-click unsubscribe answer does not show the full address', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const { subscriber } = await activeSubscriber(t, 'jane.doe@example.org');
    const token = /token=([^&>]+)/.exec((await t.digests.plan({ date: '2024-01-10', dryRun: true })).previews[0]!.text.match(/\/unsubscribe\?token=\S+/)![0])![1]!;
    const res = await t.app.request(`${BASE_URL}/unsubscribe?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes('jane.doe@example.org'), text);
    assert.match(text, /j\*\*\*@example\.org will get no more digests/);
    assert.equal((await t.subscriptions.getSubscriber(subscriber.id))!.status, 'unsubscribed');
  });
});

describe('paperboy digest run links', () => {
  it('come from PAPERBOY_BASE_URL, with a warning when it is unset', async () => {
    const data = await dataWithSubscribers(1);
    const env = { PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_SECRET: 'cli-test-secret-cli-test-secret-cli!!', PAPERBOY_LOG_LEVEL: '' };
    const args = ['digest', 'run', '--dry-run', '--date', '2024-01-10', '--data', data];
    const unset = await runPaperboy(args, { env: { ...env, PAPERBOY_BASE_URL: '' } });
    assert.equal(unset.code, 0, unset.stderr);
    assert.match(unset.stderr, /PAPERBOY_BASE_URL is not set: links in digests point at http:\/\/127\.0\.0\.1:3000/);
    const set = await runPaperboy(args, { env: { ...env, PAPERBOY_BASE_URL: 'https://papers.example.org/' } });
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stderr.includes('PAPERBOY_BASE_URL'), set.stderr);
    assert.match(set.stdout, /https:\/\/papers\.example\.org\/papers\/\S+/);
    assert.match(set.stdout, /https:\/\/papers\.example\.org\/preferences\?token=/);
    assert.ok(!set.stdout.includes('127.0.0.1:3000'));
  });
});
