import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHfDailyClient } from '../src/adapters/hf/hf-daily-client.ts';
import { harvestHfDaily, HF_CHECKPOINT } from '../src/app/hf-harvest.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { startFakeHf } from './fake-signal-servers.ts';
import { fixedClock, testStore } from './helpers.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function setup(options: Parameters<typeof startFakeHf>[0] = {}, now = '2024-03-08T18:00:00Z') {
  const hf = await startFakeHf(options);
  closers.push(hf.close);
  const clock = fixedClock(now);
  const sleeps: number[] = [];
  clock.sleep = async (ms: number) => void sleeps.push(ms);
  const { store, stores, sql } = await testStore(undefined, clock);
  const { signals } = stores;
  const source = createHfDailyClient({ baseUrl: hf.url, clock, logger: silentLogger, minIntervalMs: 0, backoffBaseMs: 10, random: () => 1 });
  const run = (opts: Parameters<typeof harvestHfDaily>[1] = {}) => harvestHfDaily({ store, signals, source, clock, logger: silentLogger }, { initialDays: 3, rereadDays: 2, ...opts });
  const series = () => sql<{ id: string; source: string; name: string; day: string; value: number }>('SELECT p.id, d.source, d.name, d.day, d.value FROM paper_signal_days d JOIN papers p ON p.seq = d.paper_seq ORDER BY p.id, d.source, d.day');
  return { hf, clock, store, signals, run, series, sleeps };
}

describe('Hugging Face daily papers harvest', () => {
  it('imports three days of daily papers with their signals and keeps each day\'s upvotes and stars as a series', async () => {
    const { run, store, series, hf } = await setup();
    const report = await run();
    assert.deepEqual([report.from, report.until, report.days], ['2024-03-06', '2024-03-08', 3]);
    assert.equal(await store.countPapers(), 8);
    assert.deepEqual(hf.requests.map((r) => [r.date, r.p, r.limit]), [['2024-03-06', 0, 100], ['2024-03-07', 0, 100], ['2024-03-08', 0, 100]]);
    const paper = (await store.getPaper('2403.04001'))!;
    const signal = (name: string) => paper.signals.find((s) => s.name === name)?.value;
    assert.equal(signal('upvotes'), 48);
    assert.equal(signal('aiSummary'), 'Four steps match fifty.');
    assert.deepEqual(signal('aiKeywords'), ['diffusion', 'distillation']);
    assert.equal(signal('comments'), 5);
    assert.equal(signal('stars'), 310);
    assert.equal(paper.links.code, 'https://github.com/OldOwner/fast-diffusion');
    // Listed on two days: one series value for the day it was seen, the larger upvote count.
    const routing = (await series()).filter((s) => s.id === '2403.03001');
    assert.deepEqual(routing.map((s) => [s.source, s.day, s.value]), [['github', '2024-03-08', 88], ['huggingface', '2024-03-08', 15]]);
    assert.equal((await store.getCheckpoint(HF_CHECKPOINT))?.harvestedThrough, '2024-03-08');
  });

  it('re-reads the recent days on the next run, so upvotes move, and stores each value once', async () => {
    let upvotes = 48;
    const { run, series, clock, hf, signals } = await setup({
      listFor: (date) => {
        if (date !== '2024-03-07') return [];
        return [{ paper: { id: '2403.04001', title: 'Diffusion distillation in four steps', summary: 'x', publishedAt: '2024-03-06T17:00:00.000Z', upvotes } }];
      },
    });
    await run();
    const rows = (await series()).length;
    await run(); // same day again: re-read, nothing doubled
    assert.equal((await series()).length, rows);
    clock.set('2024-03-09T18:00:00Z');
    upvotes = 60;
    hf.requests.length = 0;
    const report = await run();
    assert.deepEqual([report.from, report.until], ['2024-03-07', '2024-03-09'], 'the checkpoint day is re-read with the two days before it');
    assert.deepEqual((await series()).map((s) => [s.day, s.value]), [['2024-03-08', 48], ['2024-03-09', 60]]);
    const gains = await signals.gains('2024-03-09', '2024-03-09');
    assert.deepEqual(gains.get('2403.04001'), { hfUpvotes: 12 }, 'the day gained 12 upvotes');
  });

  it('survives 429 with Retry-After and 503 without it, and waits as asked', async () => {
    const { run, store, sleeps, hf } = await setup({
      intercept: ({ index }) => index === 0 ? { status: 429, headers: { 'retry-after': '7' } } : index === 2 ? { status: 503 } : null,
    });
    const report = await run();
    assert.equal(report.days, 3);
    assert.equal(await store.countPapers(), 8);
    assert.deepEqual(hf.requests.map((r) => r.status), [429, 200, 503, 200, 200]);
    assert.ok(sleeps.includes(7000), `Retry-After: 7 waited 7 s (waits: ${sleeps.join(', ')})`);
  });

  it('fails after its attempts with a message naming the URL, keeping the days already done', async () => {
    const { run, store } = await setup({ intercept: ({ date }) => (date === '2024-03-07' ? { status: 502 } : null) });
    await assert.rejects(run(), /huggingface: .*date=2024-03-07.* failed 5 times \(last: HTTP 502\)/);
    assert.equal((await store.getCheckpoint(HF_CHECKPOINT))?.harvestedThrough, '2024-03-06');
    assert.equal(await store.countPapers(), 2);
  });

  it('pages with p and limit until a short page', async () => {
    const many = Array.from({ length: 230 }, (_, i) => ({ paper: { id: `2403.${String(10000 + i)}`, title: `Paper ${i}`, summary: 's', publishedAt: '2024-03-07T00:00:00.000Z', upvotes: i } }));
    const { run, store, hf } = await setup({ listFor: (date) => (date === '2024-03-08' ? many : []) });
    await run({ from: '2024-03-08' });
    assert.deepEqual(hf.requests.map((r) => r.p), [0, 1, 2]);
    assert.equal(await store.countPapers(), 230);
  });

  it('asks for a week or a month with the API\'s week and month parameters', async () => {
    const { hf, clock } = await setup();
    const source = createHfDailyClient({ baseUrl: hf.url, clock, logger: silentLogger, minIntervalMs: 0, pageSize: 50 });
    await source.list({ week: '2024-W10' });
    await source.list({ month: '2024-03' });
    assert.deepEqual(hf.requests.map((r) => r.query), ['?week=2024-W10&p=0&limit=50', '?month=2024-03&p=0&limit=50']);
  });

  it('reports a malformed item by field and keeps the others', async () => {
    const { run, store } = await setup({ listFor: (date) => (date === '2024-03-08' ? [{ paper: { id: '2403.00001', title: 7 } }, { paper: { id: '2403.00002', title: 'Fine', upvotes: 1 } }] : []) });
    const rejected: string[] = [];
    const report = await run({ from: '2024-03-08', onItem: (i) => i.outcome === 'rejected' && rejected.push(i.reason ?? '') });
    assert.equal(report.counts.rejected, 1);
    assert.match(rejected[0]!, /2024-03-08 item 1: field 'paper.title'/);
    assert.equal(await store.countPapers(), 1);
  });
});
