import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSearchService } from '../src/app/search/search-service.ts';
import { contentId } from '../src/core/paper-id.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { PaperStore } from '../src/ports/paper-store.ts';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { fixedClock, fixture, tempDir, testStore } from './helpers.ts';
import { testApp } from './app-helpers.ts';
import { sqliteOnly } from './test-store.ts';

// test/fixtures/seed-papers.jsonl (46 records without ids) and arxiv-sample.jsonl (50 arXiv papers)
// share 5 papers; the twin below is one of them.
const SEEDS = fixture('seed-papers.jsonl');
const ARXIV = fixture('arxiv-sample.jsonl');
const TWIN = { id: '2504.06214', title: 'From 128K to 4M: Efficient Training of Ultra-Long Context Large Language Models' };
const TWIN_IDS = ['2503.18866', '2504.02398', '2504.06214', '2504.07228', '2504.13834'];

async function assertMergedOnce(store: PaperStore) {
  assert.equal(await store.countPapers(), 46 + 50 - 5, 'each of the 5 shared papers is stored once');
  const paper = await store.getPaper(TWIN.id);
  assert.equal(paper?.title, TWIN.title);
  assert.ok(paper.authors.length > 1, 'arXiv authors');
  assert.equal(paper.announcedAt, '2025-04-09');
  assert.ok(paper.categories.length > 0);
  assert.equal(paper.links.abs, 'https://arxiv.org/abs/2504.06214');
  assert.equal(await store.getPaper(contentId(TWIN.title)), null, 'no copy under the content id');
}

describe('records without ids and their arXiv twins', () => {
  it('seed first, then arXiv: the seed paper takes the arXiv id and metadata, and is not stored twice', async () => {
    const t = await testStore();
    assert.equal((await t.importFiles([SEEDS])).report.counts.added, 46);
    const arxiv = await t.importFiles([ARXIV]);
    assert.deepEqual(arxiv.report.counts, { added: 45, updated: 5, unchanged: 0, deleted: 0, rejected: 0 });
    assert.deepEqual(arxiv.items.filter((i) => i.outcome === 'updated').map((i) => i.id).sort(), TWIN_IDS);
    await assertMergedOnce(t.store);
    // Again, in either order: nothing changes.
    assert.deepEqual((await t.importFiles([SEEDS])).report.counts, { added: 0, updated: 0, unchanged: 46, deleted: 0, rejected: 0 });
    assert.deepEqual((await t.importFiles([ARXIV])).report.counts, { added: 0, updated: 0, unchanged: 50, deleted: 0, rejected: 0 });
    await assertMergedOnce(t.store);
  });

  it('arXiv first, then seed: the seed record is matched to the arXiv paper, whose metadata wins', async () => {
    const t = await testStore();
    assert.equal((await t.importFiles([ARXIV])).report.counts.added, 50);
    const before = await t.store.getPaper(TWIN.id);
    const seeds = await t.importFiles([SEEDS]);
    assert.deepEqual(seeds.report.counts, { added: 41, updated: 0, unchanged: 5, deleted: 0, rejected: 0 });
    const twin = seeds.items.find((i) => i.id === TWIN.id);
    assert.match(twin?.reason ?? '', /same title as 2504\.06214/);
    await assertMergedOnce(t.store);
    assert.deepEqual(await t.store.getPaper(TWIN.id), before, 'the arXiv paper is untouched');
    assert.deepEqual((await t.importFiles([SEEDS, ARXIV])).report.counts, { added: 0, updated: 0, unchanged: 96, deleted: 0, rejected: 0 });
  });

  it('matches titles across case, punctuation and TeX, and keeps signals and votes when the id changes', async () => {
    const dir = tempDir();
    const t = await testStore(dir);
    const seed = join(dir, 'seed.jsonl');
    // The same paper as a seed record written differently, with a GitHub signal.
    writeFileSync(seed, JSON.stringify({
      title: 'from 128k to 4m --- efficient training of \\textit{ultra-long} context large language models.',
      abstract: 'An abstract as another site shows it.',
      signals: [{ source: 'github', name: 'stars', value: 42 }],
    }) + '\n');
    await t.importFiles([seed]);
    const seedId = contentId('from 128k to 4m --- efficient training of \\textit{ultra-long} context large language models.');
    const accounts = t.stores.accounts;
    const user = await accounts.findOrCreateUser('reader@example.org', '2024-01-10T12:00:00Z');
    await accounts.setVote(user.id, seedId, true, '2024-01-10T12:00:00Z');
    await accounts.setInList('library', user.id, seedId, true, '2024-01-10T12:00:00Z');

    await t.importFiles([ARXIV]);
    const paper = await t.store.getPaper(TWIN.id);
    assert.equal(paper?.title, TWIN.title, 'the arXiv title wins');
    assert.notEqual(paper.abstract, 'An abstract as another site shows it.', 'the arXiv abstract wins');
    assert.deepEqual(paper.signals.map((s) => [s.source, s.name, s.value]), [['github', 'stars', 42]], 'the signal is kept');
    assert.equal(await t.store.getPaper(seedId), null);
    assert.equal(await accounts.voteCount(TWIN.id), 1, 'the vote follows the paper');
    assert.deepEqual([...await accounts.allInList('library', user.id)], [TWIN.id], 'and so does the library entry');
    if (t.stores.kind === 'sqlite') assert.deepEqual(t.stores.papers.db.pragma('foreign_key_check'), []);
  });

  it('papers stored before the title keys existed get them when the store opens, and are matched too', { skip: sqliteOnly('title keys of rows from before SQLite migration 7') }, async () => {
    const dir = tempDir();
    const first = await testStore(dir);
    await first.importFiles([ARXIV]);
    assert.equal(first.stores.kind, 'sqlite');
    first.stores.papers.db.prepare('UPDATE papers SET title_key = NULL').run();
    await first.store.close();
    const reopened = createSqlitePaperStore(join(dir, 'paperboy.db'), { now: () => '2024-01-11T00:00:00.000Z' });
    try {
      assert.equal((reopened.db.prepare('SELECT COUNT(*) AS n FROM papers WHERE title_key IS NULL').get() as { n: number }).n, 0);
    } finally {
      await reopened.close();
    }
    const again = await testStore(dir);
    assert.deepEqual((await again.importFiles([SEEDS])).report.counts, { added: 41, updated: 0, unchanged: 5, deleted: 0, rejected: 0 });
  });

  it('a running search index follows the id change: one hit, under the arXiv id', async () => {
    const clock = fixedClock();
    const t = await testStore(tempDir(), clock);
    await t.importFiles([SEEDS]);
    const service = createSearchService({ store: t.store, embedder: null, logger: silentLogger });
    await service.refresh();
    assert.notEqual(service.engine.docIdOf(contentId(TWIN.title)), undefined);
    clock.set('2024-01-11T12:00:00Z');
    await t.importFiles([ARXIV]);
    await service.refresh();
    assert.equal(service.engine.docIdOf(contentId(TWIN.title)), undefined);
    const result = await service.engine.search({ query: 'Efficient Training of Ultra-Long Context Large Language Models', mode: 'lexical', limit: 3 });
    assert.deepEqual(result.hits.filter((h) => h.title === TWIN.title).map((h) => h.id), [TWIN.id]);
  });

  it('the paper page of a seed record has BibTeX without an invented author or a local URL', async () => {
    const t = await testApp({ fixtures: [SEEDS] });
    const id = contentId('Similarity search in the blink of an eye with compressed indices');
    const html = await (await t.app.request(`http://paperboy.test/papers/${id}`)).text();
    const entry = /<pre class="bibtex"[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
    assert.match(entry, /title = \{Similarity search in the blink of an eye with compressed indices\}/);
    assert.doesNotMatch(entry, /author|Anonymous|url =|paperboy\.test|localhost/);
    const api = (await (await t.app.request(`http://paperboy.test/api/papers/${id}`)).json()) as { bibtex: string };
    assert.doesNotMatch(api.bibtex, /author|Anonymous|url =/);
  });
});
