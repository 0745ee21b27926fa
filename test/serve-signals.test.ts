import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addDays } from '../src/core/periods.ts';
import { startFakeGitHub, startFakeHf, hfFixtureDays } from './fake-signal-servers.ts';
import { ROOT, runPaperboy, startServe, tempDir, testStore } from './helpers.ts';
import { storeEnv } from './test-store.ts';

const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

const until = async (what: string, check: () => boolean | Promise<boolean>, limitMs = 60_000) => {
  for (let waited = 0; !(await check()); waited += 100) {
    if (waited > limitMs) throw new Error(`waited too long for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** The three recorded days, served for the three days up to today (the service asks for recent days). */
function recordedDaysUpTo(today: string) {
  const recorded = [...hfFixtureDays().values()];
  return (date: string) => recorded[2 - Math.round((Date.parse(today) - Date.parse(date)) / 86_400_000)] ?? [];
}

const quietEnv = (data: string) => ({
  ...process.env, PAPERBOY_DATA: data, PAPERBOY_STARTER: 'off', PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_MODEL_DOWNLOAD: '0',
  PAPERBOY_HF_INTERVAL_MS: '0', PAPERBOY_HF_BACKOFF_MS: '10', PAPERBOY_GITHUB_SCHEDULE: 'off', PAPERBOY_HF_SCHEDULE: 'off',
});

describe('trending signals in the service', () => {
  it('serve with the schedules on imports HF days, refreshes stars with ETags, survives 429 and 503, and ranks day, week and month by the signals', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const hf = await startFakeHf({
      listFor: recordedDaysUpTo(today),
      intercept: ({ index }) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : index === 2 ? { status: 503 } : null),
    });
    const gh = await startFakeGitHub({ failFirst: 1 });
    closers.push(hf.close, gh.close);
    const data = tempDir();
    const server = await startServe(['serve', '--port', '0'], {
      env: {
        ...quietEnv(data), PAPERBOY_HF_URL: hf.url, PAPERBOY_HF_SCHEDULE: '*/2 * * * * *', PAPERBOY_HF_INITIAL_DAYS: '3',
        PAPERBOY_GITHUB_API_URL: gh.url, PAPERBOY_GITHUB_SCHEDULE: '*/2 * * * * *', PAPERBOY_GITHUB_RECHECK_MINUTES: '0', PAPERBOY_GITHUB_TOKEN: 'ghp_from_config',
      },
    });
    closers.push(() => server.stop());
    const api = async <T>(path: string) => (await (await fetch(`${server.url}${path}`)).json()) as T;
    type Trending = { basis: string; total: number; items: { id: string; githubStars: number | null }[] };
    await until('the three days in the index', async () => (await api<Trending>('/api/trending?period=month')).total === 8);
    assert.deepEqual(hf.requests.slice(0, 5).map((r) => r.status), [429, 200, 503, 200, 200]);

    // Stars: every live repository fetched once (one 503 retried), then only 304s: no rate limit spent.
    const okRepos = ['/repos/example-lab/moe-router', '/repos/example-lab/scaling', '/repos/NewOwner/fast-diffusion'];
    const notModified = (path: string) => gh.requests.filter((r) => r.path === path && r.status === 304).length;
    await until('a 304 for every live repository', () => okRepos.every((p) => notModified(p) >= 1));
    const spent = 60 - gh.remaining();
    const seen = gh.requests.length;
    await until('another stars run', () => okRepos.every((p) => notModified(p) >= 2));
    assert.equal(60 - gh.remaining(), spent, 'the later runs spent no rate limit');
    assert.ok(gh.requests.slice(seen).every((r) => r.status === 304), JSON.stringify(gh.requests.slice(seen)));
    assert.equal(gh.requests.filter((r) => r.status === 503).length, 1);
    assert.equal(gh.requests.filter((r) => r.path === '/repos/example/gone-repo' && r.status !== 503).length, 1, 'a deleted repository is asked once');
    assert.ok(gh.requests.every((r) => r.authorization === 'Bearer ghp_from_config'));

    const [day, week, month] = await Promise.all(['day', 'week', 'month'].map((p) => api<Trending>(`/api/trending?period=${p}`)));
    assert.deepEqual([day!.basis, week!.basis, month!.basis], ['momentum', 'momentum', 'momentum']);
    assert.deepEqual(day!.items.map((i) => i.id), ['2403.05001', '2403.05002']);
    assert.deepEqual(week!.items.map((i) => i.id), ['2403.04001', '2403.05001', '2403.03001', '2403.05003', '2403.04002', '2403.03002', '2403.05002'], 'by upvotes gained (ages are alike)');
    assert.deepEqual(month!.items.map((i) => i.id), ['2402.13001', ...week!.items.map((i) => i.id)]);
    assert.equal(week!.items.find((i) => i.id === '2403.04001')!.githubStars, 320, 'stars of the renamed repository');
    assert.equal(await server.stop(), 0);

    // Re-read every 2 seconds, nothing doubled: one value per paper, signal and day.
    const check = await testStore(data);
    try {
      assert.equal(await check.store.countPapers(), 8);
      assert.deepEqual(await check.sql('SELECT source, name, COUNT(*) AS n, COUNT(DISTINCT day) AS days FROM paper_signal_days GROUP BY source, name ORDER BY source'), [
        { source: 'github', name: 'stars', n: 5, days: 1 },
        { source: 'huggingface', name: 'upvotes', n: 8, days: 1 },
      ]);
    } finally {
      await check.stores.close();
    }
  });

  it('kill -9 during an HF harvest, then rerun: nothing lost or doubled', async () => {
    let hang = true;
    const hf = await startFakeHf({ intercept: ({ date }) => (hang && date === '2024-03-07' ? 'hang' : null) });
    closers.push(hf.close);
    const data = tempDir();
    const env = { ...quietEnv(data), PAPERBOY_HF_URL: hf.url };
    const args = [join(ROOT, 'bin', 'paperboy.js'), 'harvest', '--source', 'hf', '--from', '2024-03-06', '--until', '2024-03-08'];
    const child = spawn(process.execPath, args, { env: await storeEnv(data, env), stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await until('the second day asked for', () => hf.requests.some((r) => r.date === '2024-03-07'));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    hang = false;

    const first = await testStore(data);
    assert.equal(await first.store.countPapers(), 2, 'the first day was stored before the kill');
    await first.stores.close();

    const rerun = await runPaperboy(['harvest', '--source', 'hf', '--json'], { env: { ...env, PAPERBOY_HF_INITIAL_DAYS: '1' } as Record<string, string> });
    assert.equal(rerun.code, 0, rerun.stderr);
    const report = JSON.parse(rerun.stdout) as { from: string; until: string };
    assert.equal(report.from, '2024-03-07', 'resumes at the day the kill interrupted');
    assert.ok(report.until >= addDays('2024-03-08', 0));
    const after = await testStore(data);
    try {
      if (after.stores.kind === 'sqlite') assert.equal(after.stores.papers.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(await after.store.countPapers(), 8);
      const upvotes = await after.sql<{ id: string; value: number }>("SELECT p.id, d.value FROM paper_signal_days d JOIN papers p ON p.seq = d.paper_seq WHERE d.source = 'huggingface' ORDER BY p.id");
      assert.equal(upvotes.length, 8, 'one upvotes value per paper (the observation day), not one per run');
      assert.equal(upvotes.find((u) => u.id === '2403.03001')?.value, 15, 'the larger count of the two lists, not their sum');
      const [signals] = await after.sql<{ n: number }>("SELECT COUNT(*) AS n FROM paper_signals s JOIN papers p ON p.seq = s.paper_seq WHERE p.id = '2403.03001'");
      assert.equal(signals?.n, 7, 'each signal of the paper stored once (upvotes, day, keywords, summary, comments, repo, stars)');
    } finally {
      await after.stores.close();
    }
  });
});
