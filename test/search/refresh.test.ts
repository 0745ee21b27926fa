import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSearchService } from '../../src/app/search/search-service.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { fixedClock, fixture, tempDir, testStore } from '../helpers.ts';

describe('incremental index refresh', () => {
  it('applies each change once: an idle refresh touches nothing, same-millisecond writes are not missed', async () => {
    const clock = fixedClock();
    const { dir, store, importFiles } = await testStore(tempDir(), clock); // the clock stands still: every row has the same timestamp
    await importFiles([fixture('web-papers.jsonl')]);
    const service = createSearchService({ store, embedder: null, logger: silentLogger });
    assert.deepEqual(await service.refresh(), { papers: 7, vectors: 0 });
    assert.deepEqual(await service.refresh(), { papers: 0, vectors: 0 }, 'nothing changed, nothing re-indexed');
    await importFiles([fixture('paperboy.jsonl')]); // same millisecond as the first import
    const second = await service.refresh();
    assert.equal(second.papers, 3);
    assert.equal(service.engine.size, 10);
    // A later change to an early paper (lower seq, newer timestamp) is picked up too.
    clock.set('2024-01-11T00:00:00Z');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(dir, 'update.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: '2401.00101', title: 'Sparse retrieval, revised', abstract: 'New text about zebras.', authors: ['Ada Lovelace'], categories: ['cs.IR'] })}\n`);
    await importFiles([file]);
    assert.deepEqual(await service.refresh(), { papers: 1, vectors: 0 });
    const hits = await service.engine.search({ query: 'zebras', mode: 'lexical' });
    assert.deepEqual(hits.hits.map((h) => h.id), ['2401.00101']);
    assert.deepEqual(await service.refresh(), { papers: 0, vectors: 0 });
  });
});
