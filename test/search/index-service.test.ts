import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCatalog } from '../../src/app/catalog.ts';
import { createSearchService } from '../../src/app/search/search-service.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { fixedClock, fixture, tempDir, testStore } from '../helpers.ts';

describe('the index service follows the store', () => {
  it('shows votes made in another process in its lists after a refresh (they reach it through the change feed)', async () => {
    const clock = fixedClock('2024-01-10T12:00:00Z');
    const mine = await testStore(tempDir(), clock);
    await mine.importFiles([fixture('web-papers.jsonl')]);
    // Two processes on one database: each has its own connection, accounts and index.
    const other = await testStore(mine.dir);
    try {
      const catalogOf = ({ store, stores }: typeof mine) => {
        const service = createSearchService({ store, embedder: null, logger: silentLogger });
        let ready: Promise<typeof service> | null = null;
        return { service, catalog: createCatalog({ store, accounts: stores.accounts, search: () => (ready ??= service.refresh().then(() => service)), clock }) };
      };
      const here = catalogOf(mine);
      const there = catalogOf(other);
      const upvotes = async (c: typeof here) => (await c.catalog.trending('month', { limit: 50, offset: 0 })).items.find((i) => i.id === '2401.00104')?.upvotes;
      assert.equal(await upvotes(there), 0);
      const { accounts } = mine.stores;
      const user = await accounts.findOrCreateUser('reader@example.org', '2024-01-10T12:00:00Z');
      assert.equal(await here.catalog.vote(user.id, '2401.00104', true), 1);
      assert.equal(await upvotes(here), 1, 'the voting process sees its vote at once');
      await there.service.refresh();
      assert.equal(await upvotes(there), 1, 'the other process sees it after its refresh');
      await here.catalog.vote(user.id, '2401.00104', false);
      await there.service.refresh();
      assert.equal(await upvotes(there), 0);
    } finally {
      await other.stores.close();
    }
  });

  it('keeps the index memory flat over 100 signal-only imports of the same papers (signals never touch postings)', async () => {
    const clock = fixedClock('2024-01-10T12:00:00Z');
    const { dir, store, importFiles } = await testStore(tempDir(), clock);
    await importFiles([fixture('web-papers.jsonl')]);
    const service = createSearchService({ store, embedder: null, logger: silentLogger });
    await service.refresh();
    const file = join(dir, 'signals.json');
    let first: ReturnType<typeof service.memory> | null = null;
    for (let round = 1; round <= 100; round++) {
      // Hugging Face daily papers: only the upvotes change from one import to the next.
      clock.set(new Date(Date.parse('2024-01-10T12:00:00Z') + round * 60_000).toISOString());
      writeFileSync(file, JSON.stringify([{ paper: { id: '2401.00101', title: 'Sparse retrieval with learned term weights', upvotes: 30 + round, authors: [{ name: 'Ada Lovelace' }] }, publishedAt: '2024-01-09T00:00:00Z' }]));
      await importFiles([file]);
      const applied = await service.refresh();
      assert.equal(applied.papers, 1, `round ${round}: one change`);
      const memory = service.memory();
      first ??= memory;
      assert.deepEqual(memory, first, `round ${round}: nothing grows`);
    }
    // Without a directory every paper lives in the in-memory part: re-indexing a paper's text would
    // add postings (the old ones stay as tombstones until a rebuild), which the deepEqual above rules out.
    assert.equal(first!.deltaPapers, 7);
    assert.equal(service.engine.signals(service.engine.docIdOf('2401.00101')!).hfUpvotes, 130);
  });
});
