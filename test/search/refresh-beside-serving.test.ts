import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createUsearchAnn } from '../../src/adapters/vector/usearch-ann.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import { createSearchService } from '../../src/app/search/search-service.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { mergePaper } from '../../src/core/merge.ts';
import { tempDir, testStore } from '../helpers.ts';

const WORDS = 'graph neural network retrieval sparse dense transformer attention diffusion model vision language robot policy reward scaling law token memory'.split(' ');

describe('index refreshes beside serving', () => {
  it('lets the event loop run while it indexes a large import (it held it for the whole refresh)', async () => {
    const dir = tempDir();
    const file = join(dir, 'many.jsonl');
    const lines = Array.from({ length: 4000 }, (_, i) => JSON.stringify({
      id: `2401.${String(10000 + i)}`, title: `Paper ${i} on ${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`,
      abstract: Array.from({ length: 40 }, (_, j) => WORDS[(i + j * 3) % WORDS.length]).join(' '), authors: ['A B'], categories: ['cs.LG'], announcedAt: '2024-01-02',
    }));
    writeFileSync(file, lines.join('\n') + '\n');
    const { store, importFiles } = await testStore(dir);
    await importFiles([file]);
    const service = createSearchService({ store, embedder: null, logger: silentLogger });
    let turns = 0;
    let searchedDuringRefresh = false;
    let write: Promise<unknown> | null = null;
    const timer = setInterval(() => {
      turns++;
      // A request arriving mid-refresh is answered from what is indexed so far, and one that writes
      // (a vote, a sign-in) is not refused: no read cursor stays open across the refresh's pauses.
      if (!searchedDuringRefresh) void service.engine.search({ query: 'graph', mode: 'lexical' }).then(() => (searchedDuringRefresh = true));
      write ??= store.upsertPapers([{ id: '2402.00001', title: 'Written during the refresh', abstract: '', authors: ['C D'], categories: ['cs.LG'], source: 'test' }], (existing, input) => mergePaper(existing, input, '2024-02-01T00:00:00Z'));
    }, 1);
    const result = await service.refresh();
    clearInterval(timer);
    assert.ok(result.papers >= 4000);
    assert.ok(turns >= 3, `the event loop ran ${turns} times during the refresh`);
    assert.ok(searchedDuringRefresh);
    assert.ok(write, 'a write was attempted during the refresh');
    await write;
    assert.equal(await store.countPapers(), 4001);
  });

  it('finds vectors that are not in the ANN graph yet, exactly', async () => {
    const dims = 16;
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32) * 2 - 1;
    const unit = (v: Float32Array) => v.map((x) => x / Math.hypot(...v));
    const query = unit(Float32Array.from({ length: dims }, rand));
    const embedder: Embedder = { modelId: 'test', dims, embedQuery: async () => query, embedDocuments: async () => [] };
    const engine = new SearchEngine({ embedder, ann: (d) => createUsearchAnn(d), exactThreshold: 100 });
    for (let i = 0; i < 600; i++) {
      engine.upsert({ docId: i, id: `t:${i}`, title: `doc ${i}`, abstract: '', authors: [], categories: [], date: null });
      engine.setVector(i, unit(Float32Array.from({ length: dims }, rand)));
    }
    engine.prepare();
    // Newly embedded papers, not yet added to the graph: the closest one must still come first.
    engine.upsert({ docId: 600, id: 't:600', title: 'doc 600', abstract: '', authors: [], categories: [], date: null });
    engine.setVector(600, query);
    const steps = [...engine.prepareSteps(1)];
    assert.equal(steps.length, 1, 'the pending vector is added in one slice');
    engine.upsert({ docId: 601, id: 't:601', title: 'doc 601', abstract: '', authors: [], categories: [], date: null });
    engine.setVector(601, unit(query.map((x, i) => x + (i === 0 ? 0.01 : 0))));
    const r = await engine.search({ query: 'anything', mode: 'semantic', limit: 3 });
    assert.deepEqual(r.hits.slice(0, 2).map((h) => h.id).sort(), ['t:600', 't:601']);
  });
});
