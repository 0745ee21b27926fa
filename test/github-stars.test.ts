import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createGitHubClient } from '../src/adapters/github/github-client.ts';
import { createHfDailyClient } from '../src/adapters/hf/hf-daily-client.ts';
import { createGitHubStarsRefresher } from '../src/app/github-stars.ts';
import { harvestHfDaily } from '../src/app/hf-harvest.ts';
import { githubRepoKey } from '../src/core/github-repo.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { startFakeGitHub, startFakeHf } from './fake-signal-servers.ts';
import { fixedClock, testStore } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

/** The three recorded HF days imported, then a stars refresher against a fake GitHub. */
async function setup(github: Parameters<typeof startFakeGitHub>[0] = {}, refresher: Parameters<typeof createGitHubStarsRefresher>[1] = {}, token?: string) {
  const [hf, gh] = await Promise.all([startFakeHf(), startFakeGitHub(github)]);
  closers.push(hf.close, gh.close);
  const clock = fixedClock('2024-03-08T18:00:00Z');
  const { store, stores, sql } = await testStore(undefined, clock);
  const { signals } = stores;
  const harvest = () => harvestHfDaily({ store, signals, source: createHfDailyClient({ baseUrl: hf.url, clock, logger: silentLogger, minIntervalMs: 0 }), clock, logger: silentLogger }, { initialDays: 3 });
  await harvest();
  const client = createGitHubClient({ apiUrl: gh.url, clock, logger: silentLogger, backoffBaseMs: 1, ...(token ? { token } : {}) });
  const refresh = createGitHubStarsRefresher({ signals, github: client, clock, logger: silentLogger }, { recheckAfterMs: 0, ...refresher });
  const stars = async (id: string) => (await store.getPaper(id))!.signals.find((s) => s.source === 'github' && s.name === 'stars')?.value;
  return { gh, clock, store, sql, signals, refresh, stars, harvest };
}

describe('GitHub stars', () => {
  it('refreshes stars with conditional requests: the second run gets 304s and spends no rate limit', async () => {
    const { gh, refresh, stars, sql } = await setup();
    const first = await refresh();
    assert.deepEqual({ ...first, rateLimitedUntil: null }, { checked: 5, updated: 3, notModified: 0, renamed: 1, gone: 2, failed: 0, rateLimitedUntil: null });
    assert.equal(await stars('2403.03001'), 90);
    assert.equal(await stars('2403.04001'), 320, 'the renamed repository was followed');
    const spent = 60 - gh.remaining();
    gh.requests.length = 0;
    const second = await refresh();
    assert.deepEqual([second.checked, second.notModified, second.updated, second.gone], [3, 3, 0, 0], 'gone repositories are not asked again');
    assert.ok(gh.requests.every((r) => r.status === 304 && r.ifNoneMatch), JSON.stringify(gh.requests));
    assert.ok(gh.requests.some((r) => r.path === '/repos/NewOwner/fast-diffusion'), 'the renamed repository is asked under its new name');
    assert.equal(60 - gh.remaining(), spent, 'no rate limit spent on the second run');
    const states = await sql('SELECT repo, full_name, status FROM github_repos ORDER BY repo');
    assert.deepEqual(states, [
      { repo: 'example-lab/moe-router', full_name: 'example-lab/moe-router', status: 'ok' },
      { repo: 'example-lab/scaling', full_name: 'example-lab/scaling', status: 'ok' },
      { repo: 'example/blocked-repo', full_name: null, status: 'gone' },
      { repo: 'example/gone-repo', full_name: null, status: 'gone' },
      { repo: 'oldowner/fast-diffusion', full_name: 'NewOwner/fast-diffusion', status: 'ok' },
    ]);
  });

  it('goes on past a repository GitHub answers with an error, on this run and the next', async () => {
    const { gh, refresh, stars } = await setup({ broken: new Set(['example-lab/scaling']) });
    const first = await refresh();
    assert.equal(first.failed, 1);
    assert.equal(first.checked, 4, 'every other repository was asked');
    assert.equal(await stars('2403.04001'), 320);
    gh.requests.length = 0;
    const second = await refresh();
    assert.equal(second.failed, 1);
    assert.ok(gh.requests.some((r) => r.status === 304), 'the next run reaches the other repositories too');
  });

  it('keeps GitHub\'s own count when Hugging Face lists the paper again with its older copy', async () => {
    const { refresh, harvest, stars, sql, clock } = await setup();
    await refresh();
    clock.set('2024-03-08T19:00:00Z'); // an hour later, the same day
    await harvest();
    assert.equal(await stars('2403.04001'), 320);
    const series = (await sql<{ value: number }>("SELECT d.value FROM paper_signal_days d JOIN papers p ON p.seq = d.paper_seq WHERE p.id = '2403.04001' AND d.source = 'github'")).map((r) => r.value);
    assert.deepEqual(series, [320]);
    assert.equal(await stars('2403.04002'), 14, 'a deleted repository keeps the last count seen');
  });

  it('keeps stars as a daily series, so trending sees stars gained, not stars owned', async () => {
    const starCounts = new Map<string, number>();
    const { refresh, clock, signals } = await setup({ stars: starCounts });
    await refresh();
    clock.set('2024-03-10T18:00:00Z');
    starCounts.set('example-lab/moe-router', 140);
    await refresh();
    const gains = await signals.gains('2024-03-10', '2024-03-10');
    assert.deepEqual(gains.get('2403.03001'), { githubStars: 50 });
    assert.equal(gains.get('2402.13001'), undefined, 'unchanged stars are no gain');
    const week = await signals.gains('2024-03-04', '2024-03-10');
    // First seen in the window on 2024-03-08 (90: GitHub's count replaced Hugging Face's 88 that day): 140 - 90.
    assert.equal(week.get('2403.03001')?.githubStars, 50);
  });

  it('survives 503s, and stops at a spent rate limit until its reset', async () => {
    const { gh, refresh, clock } = await setup({ failFirst: 2, limit: 2 });
    const first = await refresh();
    assert.equal(first.checked, 2);
    assert.ok(first.rateLimitedUntil, 'stopped when x-ratelimit-remaining reached 0');
    const asked = gh.requests.length;
    const blocked = await refresh();
    assert.equal(blocked.checked, 0);
    assert.equal(gh.requests.length, asked, 'nothing asked before the reset');
    clock.set(new Date(Date.parse(first.rateLimitedUntil!) + 1000).toISOString());
    await refresh();
    assert.ok(gh.requests.length > asked, 'asks again after the reset');
  });

  it('sends the token when configured and asks the most recently active papers\' repositories first, bounded per run', async () => {
    const { gh, refresh } = await setup({}, { reposPerRun: 2 }, 'ghp_test');
    await refresh();
    assert.deepEqual(gh.requests.map((r) => r.authorization), ['Bearer ghp_test', 'Bearer ghp_test']);
    // Every paper was seen on the same day: the tie goes to the newest paper (2403.05001 of 03-08, then 03-06's, by name).
    assert.deepEqual(gh.requests.map((r) => r.path), ['/repos/example/blocked-repo', '/repos/example/gone-repo']);
  });

  it('reads repository keys from the links papers give', () => {
    assert.equal(githubRepoKey('https://github.com/Owner/Repo.git'), 'owner/repo');
    assert.equal(githubRepoKey('github.com/a-b/c.d/tree/main/src'), 'a-b/c.d');
    assert.equal(githubRepoKey('https://gitlab.com/a/b'), null);
    assert.equal(githubRepoKey('https://github.com/a'), null);
  });
});
