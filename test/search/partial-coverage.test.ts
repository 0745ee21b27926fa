import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SearchEngine, type IndexedDoc } from '../../src/app/search/search-engine.ts';
import { convexFusion, rrfFusion } from '../../src/core/search/fusion.ts';
import { paperEmbeddingText, type Embedder } from '../../src/ports/embedder.ts';
import { testApp } from '../app-helpers.ts';
import { fixedClock, fixture, loopTurnsDuring, tempDir, testStore } from '../helpers.ts';

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
    const { store, importFiles } = await testStore(dir);
    await importFiles([file]);
    const { jobs, remaining } = await store.embeddingsNeeded('m', paperEmbeddingText, 3);
    assert.equal(remaining, 4);
    assert.deepEqual(jobs.map((j) => j.text), ['Paper 1. Text.', 'Paper 3. Text.', 'Paper 2. Text.']);
  });

  it('walks the embedding queue newest first a page at a time, yielding to the event loop between pages', async () => {
    const dir = tempDir();
    const file = join(dir, 'papers.jsonl');
    // 9,000 papers over 30 days (many share a date: pages end inside a day), more than two pages.
    const day = (i: number) => `2026-10-${String(1 + (i % 30)).padStart(2, '0')}`;
    writeFileSync(file, Array.from({ length: 9000 }, (_, i) => JSON.stringify({ id: `2410.${String(i).padStart(5, '0')}`, title: `Paper ${i}`, abstract: 'Text.', authors: ['A B'], categories: ['cs.LG'], announcedAt: day(i) })).join('\n') + '\n');
    const clock = fixedClock();
    const { store, importFiles } = await testStore(dir, clock);
    await importFiles([file]);
    const { turns, result } = await loopTurnsDuring(() => store.embeddingsNeeded('m', paperEmbeddingText));
    assert.ok(turns >= 2, `the event loop turned ${turns} times during the walk`);
    assert.equal(result.remaining, 9000);
    const order = result.jobs.map((j) => Number(/Paper (\d+)/.exec(j.text)![1]));
    assert.equal(new Set(order).size, 9000, 'each paper once');
    // Newest day first; within a day, the latest seq (import order) first.
    const expected = Array.from({ length: 9000 }, (_, i) => i).sort((a, b) => day(b).localeCompare(day(a)) || b - a);
    assert.deepEqual(order, expected);
    // Embedded papers leave the queue; the limit takes the newest of the rest, the count stays exact.
    clock.set('2026-11-01T00:00:00Z');
    await store.saveEmbeddings('m', result.jobs.slice(0, 5000).map((j) => ({ seq: j.seq, textHash: j.textHash, vector: new Float32Array([1, 0]) })));
    const rest = await store.embeddingsNeeded('m', paperEmbeddingText, 10);
    assert.equal(rest.remaining, 4000);
    assert.deepEqual(rest.jobs.map((j) => j.seq), result.jobs.slice(5000, 5010).map((j) => j.seq));
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
