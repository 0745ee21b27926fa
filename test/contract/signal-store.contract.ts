/**
 * The contract of the SignalStore port (src/ports/signal-store.ts), run against every adapter
 * (signal-store.test.ts). Saves and local votes in `gains` come from the account store's tables and
 * belong to its contract, which the PostgreSQL adapter does not have yet.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mergePaper } from '../../src/core/merge.ts';
import type { PaperInput } from '../../src/core/paper.ts';
import type { PaperStore } from '../../src/ports/paper-store.ts';
import type { SignalStore } from '../../src/ports/signal-store.ts';
import { readFeed } from './paper-store.contract.ts';

/** How the suite gets stores of one adapter: a paper store and a signal store on one new database. */
export interface SignalStoreHarness {
  newDatabase(now: () => string): Promise<{ papers: PaperStore; signals: SignalStore; close(): Promise<void> }>;
}

const NOW = '2024-03-10T12:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2403.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, announcedAt: '2024-03-01', source: 'test', ...extra,
});
const id = (n: number) => `2403.${String(n).padStart(5, '0')}`;
const day = (paperId: string, source: string, name: string, d: string, value: number) => ({ paperId, source, name, day: d, value });

export function signalStoreContract(harness: SignalStoreHarness): void {
  async function fresh(now: () => string = () => NOW) {
    const db = await harness.newDatabase(now);
    await db.papers.upsertPapers([1, 2, 3].map((n) => paper(n)), merge);
    return db;
  }

  it('records daily observations: one value per paper, signal and day, replaced or kept at the larger', async () => {
    const db = await fresh();
    const up = (d: string, v: number) => day(id(1), 'huggingface', 'upvotes', d, v);
    assert.deepEqual(await db.signals.record([up('2024-03-08', 5), up('2024-03-09', 9), up('2024-03-09', 8)]), { stored: 3, unknownPapers: 0 });
    assert.deepEqual(await db.signals.record([day('2499.99999', 'huggingface', 'upvotes', '2024-03-09', 1), up('2024-03-09', Number.NaN)]), { stored: 0, unknownPapers: 2 });
    // 2024-03-09 holds 8 (the last of the batch): 8 - 5.
    assert.deepEqual((await db.signals.gains('2024-03-09', '2024-03-09')).get(id(1)), { hfUpvotes: 3 });
    await db.signals.record([up('2024-03-09', 7), up('2024-03-09', 12), up('2024-03-09', 6)], 'max');
    assert.deepEqual((await db.signals.gains('2024-03-09', '2024-03-09')).get(id(1)), { hfUpvotes: 7 }, 'max keeps 12');
    await db.signals.record([up('2024-03-09', 4)]);
    assert.equal((await db.signals.gains('2024-03-09', '2024-03-09')).get(id(1)), undefined, 'replace takes 4: no gain');
    await db.close();
  });

  it('measures what a window gained: upvotes from zero, stars from their first observation, readers summed', async () => {
    const db = await fresh();
    await db.signals.record([
      day(id(1), 'huggingface', 'upvotes', '2024-03-05', 10), day(id(1), 'huggingface', 'upvotes', '2024-03-09', 25),
      day(id(2), 'huggingface', 'upvotes', '2024-03-09', 4),
      day(id(2), 'github', 'stars', '2024-03-08', 100), day(id(2), 'github', 'stars', '2024-03-10', 130),
      day(id(3), 'github', 'stars', '2024-03-01', 50), day(id(3), 'github', 'stars', '2024-03-09', 50),
      day(id(3), 'paperboy', 'readers', '2024-03-08', 2), day(id(3), 'paperboy', 'readers', '2024-03-10', 3), day(id(3), 'paperboy', 'readers', '2024-03-01', 9),
    ]);
    const week = await db.signals.gains('2024-03-08', '2024-03-10');
    assert.deepEqual(Object.fromEntries([...week].sort()), {
      [id(1)]: { hfUpvotes: 15 },
      [id(2)]: { hfUpvotes: 4, githubStars: 30 },
      [id(3)]: { readers: 5 },
    });
    assert.equal((await db.signals.gains('2024-02-01', '2024-02-28')).size, 0);
    await db.close();
  });

  it('saves repository state, records stars for the linking papers and moves them in the change feed', async () => {
    let now = NOW;
    const db = await fresh(() => now);
    const mark = await db.papers.lastChangeSeq();
    const state = { repo: 'lab/tool', fullName: 'Lab/Tool', etag: '"e1"', stars: 40, status: 'ok' as const, checkedAt: NOW };
    assert.deepEqual(await db.signals.saveRepo(state, '2024-03-10', [id(1), id(2), '2499.99999']), { papers: 3 });
    assert.deepEqual((await db.papers.getPaper(id(1)))?.signals.map((s) => [s.source, s.name, s.value, s.observedAt]), [['github', 'stars', 40, NOW]]);
    const changes = await db.papers.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.githubStars, c.lastChangedAt]), [[id(1), 40, NOW], [id(2), 40, NOW]]);
    assert.ok(changes.every((c) => c.textSeq <= mark), 'stars are no text change');
    assert.deepEqual(await db.signals.trackedRepos(['lab/tool', 'other/repo']), new Set(['lab/tool']));

    now = '2024-03-11T12:00:00.000Z';
    const mark2 = await db.papers.lastChangeSeq();
    await db.signals.saveRepo({ ...state, checkedAt: now }, '2024-03-11', [id(1)]);
    assert.deepEqual(await db.papers.changesSince(mark2, 10), [], 'the same count changes no paper');
    await db.signals.saveRepo({ ...state, stars: 55, checkedAt: now }, '2024-03-11', [id(1)]);
    assert.deepEqual((await db.papers.changesSince(mark2, 10)).map((c) => [c.id, c.githubStars]), [[id(1), 55]]);
    assert.deepEqual((await db.signals.gains('2024-03-11', '2024-03-11')).get(id(1)), { githubStars: 15 });
    const feed = await readFeed(db.papers);
    assert.equal(new Set(feed.map((c) => c.changeSeq)).size, feed.length);

    await db.signals.saveRepo({ ...state, stars: null, status: 'gone', checkedAt: now }, '2024-03-11', [id(1)]);
    assert.deepEqual(await db.signals.trackedRepos(['lab/tool']), new Set());
    assert.equal((await db.papers.getPaper(id(1)))?.signals.find((s) => s.name === 'stars')?.value, 55, 'a gone repository keeps the last count');
    await db.close();
  });

  it('lists repositories to refresh: linked by live papers, most recently active first, checked ones and gone ones left out', async () => {
    const db = await fresh();
    await db.papers.upsertPapers([
      paper(10, { links: { code: 'https://github.com/Lab/Old' }, announcedAt: '2024-01-01' }),
      paper(11, { links: { code: 'https://github.com/lab/new.git' }, announcedAt: '2024-03-05' }),
      paper(12, { announcedAt: '2024-02-01', signals: [{ source: 'github', name: 'repo', value: 'https://github.com/lab/from-signal' }] }),
      paper(13, { links: { code: 'https://github.com/lab/old' }, announcedAt: '2023-12-01' }),
      paper(14, { links: { code: 'https://github.com/lab/deleted' } }),
      paper(15, { links: { code: 'https://github.com/lab/gone' } }),
      paper(16, { links: { code: 'https://github.com/lab/checked' } }),
      paper(17, { links: { project: 'https://example.org/' } }),
    ], merge);
    await db.papers.upsertPapers([{ id: id(14), deleted: true, source: 'oai' }], merge);
    await db.signals.record([day(id(10), 'huggingface', 'upvotes', '2024-03-09', 3)]);
    await db.signals.saveRepo({ repo: 'lab/gone', fullName: null, etag: null, stars: null, status: 'gone', checkedAt: '2024-03-01T00:00:00Z' }, '2024-03-01', []);
    await db.signals.saveRepo({ repo: 'lab/checked', fullName: 'lab/checked', etag: null, stars: 1, status: 'ok', checkedAt: '2024-03-10T00:00:00Z' }, '2024-03-10', []);
    const due = await db.signals.reposToRefresh(10, '2024-03-09T00:00:00Z');
    assert.deepEqual(due.map((r) => [r.repo, r.lastActive, [...r.paperIds].sort()]), [
      ['lab/old', '2024-03-09', [id(10), id(13)]],
      ['lab/new', '2024-03-05', [id(11)]],
      ['lab/from-signal', '2024-02-01', [id(12)]],
    ]);
    assert.deepEqual(due[0], { repo: 'lab/old', fullName: null, etag: null, stars: null, status: 'ok', checkedAt: null, lastActive: '2024-03-09', paperIds: due[0]!.paperIds });
    assert.deepEqual((await db.signals.reposToRefresh(1, '2024-03-11T00:00:00Z')).map((r) => r.repo), ['lab/old']);
    assert.ok((await db.signals.reposToRefresh(10, '2024-03-11T00:00:00Z')).some((r) => r.repo === 'lab/checked'), 'checked before the bound: due again');
    await db.close();
  });
}
