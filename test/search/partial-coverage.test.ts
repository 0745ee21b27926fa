import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SearchEngine, type IndexedDoc } from '../../src/app/search/search-engine.ts';
import { convexFusion, rrfFusion } from '../../src/core/search/fusion.ts';
import { paperEmbeddingText, type Embedder } from '../../src/ports/embedder.ts';
import { testApp } from '../app-helpers.ts';
import { fixture, tempDir, testStore } from '../helpers.ts';

const QUERY = [1, 0, 0, 0];
const near = (x: number) => Float32Array.from([x, Math.sqrt(1 - x * x), 0, 0]);
const embedder: Embedder = { modelId: 'test', dims: 4, embedQuery: async () => Float32Array.from(QUERY), embedDocuments: async () => [] };

const doc = (docId: number, title: string): IndexedDoc => ({ docId, id: `2401.0000${docId}`, title, abstract: '', authors: [], categories: ['cs.LG'], date: '2024-01-01' });

/** The keyword top result (doc 1) is not embedded yet; the others are, close to the query by meaning. */
function partlyEmbedded() {
  const engine = new SearchEngine({ embedder });
  engine.upsert(doc(1, 'Graph neural networks for molecules'));
  for (let i = 2; i <= 6; i++) {
    engine.upsert(doc(i, `Networks, paper ${i}`));
    engine.setVector(i, near(0.97));
  }
  return engine;
}

describe('hybrid search while papers are still being embedded', () => {
  it('keeps the keyword top result on top when the semantic side has not seen it (convex and RRF)', async () => {
    const engine = partlyEmbedded();
    const lexical = await engine.search({ query: 'graph neural networks molecules', mode: 'lexical' });
    assert.equal(lexical.hits[0]!.id, '2401.00001');
    for (const fusion of ['convex', 'rrf'] as const) {
      const hybrid = await engine.search({ query: 'graph neural networks molecules', mode: 'hybrid', fusion });
      assert.equal(hybrid.hits[0]!.id, '2401.00001', `${fusion}: ${hybrid.hits.map((h) => `${h.id} ${h.score.toFixed(3)}`).join(', ')}`);
      assert.equal(hybrid.hits[0]!.explanation.semantic, null);
      assert.equal(hybrid.hits.length, 6);
    }
  });

  it('says how much of the corpus semantic search covers, and nothing once it covers everything', async () => {
    const engine = partlyEmbedded();
    const hybrid = await engine.search({ query: 'graph neural networks molecules' });
    assert.ok(hybrid.notices.includes('semantic search covers 83 % of papers so far (the rest are being embedded); ranking by words for the rest'), hybrid.notices.join('|'));
    const semantic = await engine.search({ query: 'graph neural networks molecules', mode: 'semantic' });
    assert.ok(semantic.notices.some((n) => /covers 83 % .*missing from these results/.test(n)), semantic.notices.join('|'));
    assert.deepEqual((await engine.search({ query: 'graph', mode: 'lexical' })).notices, []);
    engine.setVector(1, near(0.5));
    assert.deepEqual((await engine.search({ query: 'graph neural networks molecules' })).notices, []);
  });

  it('fusion lets the lexical side stand in for a missing embedding, and only then', () => {
    const inputs = [
      { docId: 1, lexical: { score: 10, rank: 1 }, semantic: null, embedded: false },
      { docId: 2, lexical: { score: 5, rank: 2 }, semantic: { score: 0.9, rank: 1 } },
      { docId: 3, lexical: { score: 5, rank: 3 }, semantic: null },
    ];
    const convex = convexFusion(inputs, 0.8);
    assert.equal(convex[0]!.fused, 1);
    assert.ok(Math.abs(convex[1]!.fused - (0.8 * 1 + 0.2 * 0.5)) < 1e-12);
    assert.ok(Math.abs(convex[2]!.fused - 0.2 * 0.5) < 1e-12, 'an embedded paper that the semantic side did not rank still gets the floor');
    const rrf = rrfFusion(inputs);
    assert.ok(Math.abs(rrf[0]!.fused - 2 / 61) < 1e-12);
    assert.ok(Math.abs(rrf[2]!.fused - 1 / 63) < 1e-12);
  });

  it('embeds the newest papers first', async () => {
    const dir = tempDir();
    const file = join(dir, 'papers.jsonl');
    const dates = ['2023-05-01', '2026-11-30', '2024-02-10', '2026-06-01'];
    writeFileSync(file, dates.map((d, i) => JSON.stringify({ id: `2401.0010${i}`, title: `Paper ${i}`, abstract: 'Text.', authors: ['A B'], categories: ['cs.LG'], announcedAt: d })).join('\n') + '\n');
    const { store, importFiles } = testStore(dir);
    await importFiles([file]);
    const { jobs, remaining } = await store.embeddingsNeeded('m', paperEmbeddingText, 3);
    assert.equal(remaining, 4);
    assert.deepEqual(jobs.map((j) => j.text), ['Paper 1. Text.', 'Paper 3. Text.', 'Paper 2. Text.']);
  });

  it('puts the coverage notice in the API, the search page and the search feeds', async () => {
    const { app, searchService, store } = await testApp({ fixtures: [fixture('web-papers.jsonl')], embedder });
    const service = await searchService();
    await store.saveEmbeddings(embedder.modelId, [{ seq: service.engine.docIdOf('2401.00101')!, textHash: 'test', vector: near(0.9) }]);
    await service.refresh();
    const notice = /semantic search covers \d+ % of papers so far/;
    const api = (await (await app.request('/api/search?q=retrieval')).json()) as { notices: string[] };
    assert.ok(api.notices.some((n) => notice.test(n)), api.notices.join('|'));
    assert.match(await (await app.request('/search?q=retrieval')).text(), notice);
    for (const format of ['json', 'atom', 'rss']) assert.match(await (await app.request(`/feeds/search.${format}?q=retrieval`)).text(), notice, format);
    const lexical = (await (await app.request('/api/search?q=retrieval&mode=lexical')).json()) as { notices: string[] };
    assert.ok(!lexical.notices.some((n) => notice.test(n)), 'keyword search does not need it');
  });
});
