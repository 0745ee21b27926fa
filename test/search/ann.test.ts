import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInt8ScanAnn, createUsearchAnn } from '../../src/adapters/vector/usearch-ann.ts';
import type { AnnFactory } from '../../src/ports/ann-index.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import { ExactVectorIndex } from '../../src/core/search/vector-index.ts';
import type { Embedder } from '../../src/ports/embedder.ts';

const DIMS = 64;
let seed = 42;
const rand = () => ((seed = (seed * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32) * 2 - 1;
const normalised = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
// Clustered data, as embeddings are: 50 centres, points scattered around them.
const centres = Array.from({ length: 50 }, () => normalised(Float32Array.from({ length: DIMS }, rand)));
const point = () => normalised(centres[Math.floor(((rand() + 1) / 2) * 50) % 50]!.map((x) => x + 0.35 * rand()));

describe('approximate vector search', () => {
  const backends: [string, AnnFactory][] = [
    ['the int8 native scan', (dims) => createInt8ScanAnn(dims)],
    ['the usearch HNSW graph', (dims) => createUsearchAnn(dims, { quantization: 'i8' })],
  ];
  for (const [name, factory] of backends) it(`keeps recall@10 against exact search at 0.98 or more with ${name} and exact re-ranking, and honours filters`, async () => {
    const vectors = Array.from({ length: 6000 }, point);
    const queryVectors = Array.from({ length: 100 }, point);
    let current = queryVectors[0]!;
    const embedder: Embedder = { modelId: 'test', dims: DIMS, embedQuery: async () => current, embedDocuments: async () => [] };
    const engine = new SearchEngine({ embedder, ann: factory, exactThreshold: 1000 });
    const exact = new ExactVectorIndex(DIMS);
    vectors.forEach((v, i) => {
      engine.upsert({ docId: i, id: `t:${i}`, title: `doc ${i}`, abstract: '', authors: [], categories: [i % 2 === 0 ? 'cs.LG' : 'cs.CV'], date: null });
      engine.setVector(i, v);
      exact.set(i, v);
    });
    let found = 0;
    let filteredFound = 0;
    for (const [k, q] of queryVectors.entries()) {
      current = q;
      const query = `query ${k}`; // distinct texts: the engine keeps the vectors of texts it has seen
      const truth = new Set(exact.search(q, 10).map((h) => h.docId));
      const got = await engine.search({ query, mode: 'semantic', limit: 10, snippets: false });
      found += got.hits.filter((h) => truth.has(h.docId)).length;
      const truthOdd = new Set(exact.search(q, 10, (id) => id % 2 === 1).map((h) => h.docId));
      const gotOdd = await engine.search({ query, mode: 'semantic', limit: 10, categories: ['cs.CV'], snippets: false });
      assert.ok(gotOdd.hits.every((h) => h.docId % 2 === 1));
      filteredFound += gotOdd.hits.filter((h) => truthOdd.has(h.docId)).length;
    }
    assert.ok(found / 1000 >= 0.98, `recall@10 ${found / 1000}`);
    assert.ok(filteredFound / 1000 >= 0.98, `filtered recall@10 ${filteredFound / 1000}`);
    // Removing a document removes it from the graph too.
    const top = (await engine.search({ query: 'x', mode: 'semantic', limit: 1, snippets: false })).hits[0]!.docId;
    engine.remove(top);
    assert.notEqual((await engine.search({ query: 'x', mode: 'semantic', limit: 1, snippets: false })).hits[0]!.docId, top);
  });
});
