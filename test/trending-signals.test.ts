import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createHfDailyClient } from '../src/adapters/hf/hf-daily-client.ts';
import { harvestHfDaily } from '../src/app/hf-harvest.ts';
import { gainsWindowFor } from '../src/app/trending.ts';
import { trendingScore } from '../src/core/trending.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { BASE_URL, testApp } from './app-helpers.ts';
import { startFakeHf } from './fake-signal-servers.ts';
import { fixture } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** The app over the three recorded HF days, with the trending service and reader counts as `serve` composes them (no cache: the tests move the clock). */
async function signalsApp(now = '2024-03-08T18:00:00Z', options: { harvest?: boolean } = {}) {
  const t = await testApp({ now, rateLimits: null, readerSignals: true, trending: { cacheMs: 0 } });
  const { signals } = t.services.stores;
  const readers = t.services.signals.readers!;
  if (options.harvest !== false) {
    const hf = await startFakeHf();
    closers.push(hf.close);
    await harvestHfDaily({ store: t.store, signals, source: createHfDailyClient({ baseUrl: hf.url, clock: t.clock, logger: silentLogger, minIntervalMs: 0 }), clock: t.clock, logger: silentLogger }, { initialDays: 3 });
  }
  const ids = async (period: 'day' | 'week' | 'month') => (await t.catalog.trending(period, { limit: 50, offset: 0 })).items.map((c) => c.id);
  const user = async (email: string) => (await t.accountStore.findOrCreateUser(email, '2024-01-01T00:00:00Z')).id;
  return { ...t, signals, readers, ids, user };
}

describe('trending from signals', () => {
  it('scores what a window gained when gains are given, and the totals with age decay otherwise', () => {
    const now = Date.parse('2024-03-10T00:00:00Z');
    const totals = trendingScore({ hfUpvotes: 100, githubStars: 1023, date: '2024-03-08' }, now);
    assert.equal(totals.basis, 'totals');
    assert.equal(totals.attention, 100 + 20);
    const window = trendingScore({ hfUpvotes: 100, githubStars: 1023, date: '2024-03-08', gained: { hfUpvotes: 6, githubStars: 15, readers: 7, saves: 2, localVotes: 1 } }, now);
    assert.equal(window.basis, 'window');
    assert.deepEqual(window.parts, { localVotes: 1, hfUpvotes: 6, githubStars: 8, readers: 3, saves: 4 });
    assert.equal(window.attention, 22);
    assert.ok(Math.abs(window.score - 22 / 4 ** 1.5) < 1e-12);
    assert.equal(trendingScore({ hfUpvotes: 100, date: '2024-03-08', gained: {} }, now).score, 0, 'owning upvotes is not momentum');
  });

  it('day, week and month differ and follow the signals gained', async () => {
    const t = await signalsApp();
    const [day, week, month] = [await t.ids('day'), await t.ids('week'), await t.ids('month')];
    assert.deepEqual(day, ['2403.05001', '2403.05002']);
    assert.equal(week.length, 7);
    assert.equal(month.length, 8);
    // The older paper (2024-02-20) is in the month only; its 100 new upvotes, decayed over 17 days, rank it 4th.
    assert.ok(!week.includes('2402.13001'));
    assert.equal(month.indexOf('2402.13001'), 3, month.join(' '));
    const r = await t.catalog.trending('week', { limit: 50, offset: 0 });
    assert.equal(r.basis, 'momentum');
    // Upvotes gained, decayed by age: 48 upvotes 2.75 days old score below 25 upvotes 0.75 days old.
    assert.deepEqual(week.slice(0, 3), ['2403.05001', '2403.04001', '2403.05003']);

    // The next day, a quiet paper gets 200 upvotes on Hugging Face and 3 readers here: it leads the day's momentum.
    t.clock.set('2024-03-09T12:00:00Z');
    await t.signals.record([{ paperId: '2403.03002', source: 'huggingface', name: 'upvotes', day: '2024-03-09', value: 203 }]);
    for (const ua of [FIREFOX, SAFARI, `${FIREFOX} extra`]) await t.app.request(`${BASE_URL}/papers/2403.05002`, { headers: { 'user-agent': ua } });
    await t.readers.flush();
    assert.equal((await t.ids('week'))[0], '2403.03002');
    assert.deepEqual(await t.ids('day'), ['2403.05002', '2403.05001'], 'readers count: the day ranks the paper read today first');
  });

  it('counts saves and votes made in the window', async () => {
    const t = await signalsApp();
    t.clock.set('2024-03-09T12:00:00Z');
    const [a, b] = [await t.user('a@example.org'), await t.user('b@example.org')];
    await t.catalog.setInList('library', a, '2403.05002', true);
    await t.catalog.setInList('library', b, '2403.05002', true);
    await t.catalog.vote(a, '2403.03002', true);
    const gains = await t.signals.gains('2024-03-09', '2024-03-09');
    assert.deepEqual(gains.get('2403.05002'), { saves: 2 });
    assert.deepEqual(gains.get('2403.03002'), { localVotes: 1 });
    assert.deepEqual(await t.ids('day'), ['2403.05002', '2403.05001']);
  });

  it('counts distinct readers per day without storing addresses; crawlers and requests without a user agent do not count', async () => {
    const t = await signalsApp();
    const view = (ua?: string, ip = '203.0.113.9') => t.app.request(`${BASE_URL}/papers/2403.04002`, { headers: { ...(ua ? { 'user-agent': ua } : {}), 'x-forwarded-for': ip } });
    for (const ua of [FIREFOX, FIREFOX, SAFARI, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.5.0', undefined]) assert.equal((await view(ua)).status, 200);
    await t.readers.flush();
    const rows = () => t.sql("SELECT day, value FROM paper_signal_days WHERE source = 'paperboy' AND name = 'readers' ORDER BY day");
    assert.deepEqual(await rows(), [{ day: '2024-03-08', value: 2 }]);
    // The next day the same reader counts again (a new key): yesterday's readers cannot be recognised.
    t.clock.set('2024-03-09T08:00:00Z');
    await view(FIREFOX);
    await t.readers.flush();
    assert.deepEqual(await rows(), [{ day: '2024-03-08', value: 2 }, { day: '2024-03-09', value: 1 }]);
    const { stores } = t.services;
    if (stores.kind === 'sqlite') {
      await t.store.close();
      const bytes = readFileSync(`${stores.papers.db.name}`);
      assert.ok(!bytes.includes('Firefox/128.0') && !bytes.includes('203.0.113.9'), 'no address or user agent in the database file');
    }
  });

  it('labels an arXiv-only corpus as the newest papers, not as trending, and shows no empty breakdown', async () => {
    const t = await testApp({ fixtures: [fixture('arxiv-sample.jsonl')], now: '2026-06-30T12:00:00Z' });
    const page = await (await t.app.request(`${BASE_URL}/?period=week`)).text();
    assert.match(page, /<h1>Newest papers<\/h1>/);
    assert.match(page, /No trending signals in this period/);
    const api = (await (await t.app.request(`${BASE_URL}/api/trending?period=month`)).json()) as { basis: string; items: { id: string; date: string }[] };
    assert.equal(api.basis, 'newest');
    const dates = api.items.map((i) => i.date);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    const feed = (await (await t.app.request(`${BASE_URL}/feeds/trending.json?period=month`)).json()) as { title: string };
    assert.match(feed.title, /newest papers/);
    const paperPage = await (await t.app.request(`${BASE_URL}/papers/${api.items[0]!.id}`)).text();
    assert.doesNotMatch(paperPage, /Why trending/);
  });

  it('feeds and digests rank with the same trending as the page', async () => {
    const t = await signalsApp();
    const api = (await (await t.app.request(`${BASE_URL}/api/trending?period=week`)).json()) as { basis: string; items: { id: string }[] };
    assert.equal(api.basis, 'momentum');
    const feed = (await (await t.app.request(`${BASE_URL}/feeds/trending.json?period=week`)).json()) as { items: { id: string }[] };
    assert.deepEqual(feed.items.map((i) => i.id.replace(/^.*\/papers\//, '')), api.items.map((i) => i.id));
    const digest = await t.catalog.trendingBetween('2024-03-02', '2024-03-08', 50);
    assert.deepEqual(digest.map((p) => p.id), api.items.map((i) => i.id));
    const paper = (await (await t.app.request(`${BASE_URL}/api/papers/2403.04001`)).json()) as { trending: { basis: string; signals: { hfUpvotes: number } } };
    assert.deepEqual([paper.trending.basis, paper.trending.signals.hfUpvotes], ['window', 48]);
    const html = await (await t.app.request(`${BASE_URL}/papers/2403.04001`)).text();
    assert.match(html, /New Hugging Face upvotes<\/td><td>48/);
  });

  it('ranks gains over the days ending today, also for a list of older papers', () => {
    assert.deepEqual(gainsWindowFor({ from: '2024-03-02', to: '2024-03-08' }, '2024-03-20'), { from: '2024-03-14', to: '2024-03-20' });
    assert.deepEqual(gainsWindowFor({ from: '2024-03-08', to: '2024-03-08' }, '2024-03-08'), { from: '2024-03-08', to: '2024-03-08' });
  });
});
