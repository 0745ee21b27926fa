import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryVectorCache } from '../../src/app/search/query-vector-cache.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import type { Embedder } from '../../src/ports/embedder.ts';

const vectorOf = (text: string) => {
  const v = new Float32Array(4);
  v[text.length % 4] = 1;
  return v;
};

describe('query vector cache', () => {
  it('embeds a text once, keeps the most recently used texts, and forgets failures', async () => {
    const cache = new QueryVectorCache(2);
    const calls: string[] = [];
    const embed = async (text: string) => {
      calls.push(text);
      if (text === 'bad') throw new Error('model failed');
      return vectorOf(text);
    };
    const [a1, a2] = await Promise.all([cache.get('a', embed), cache.get('a', embed)]);
    assert.equal(a1, a2, 'concurrent requests for one text share one embedding');
    await cache.get('b', embed);
    await cache.get('a', embed); // a is now the most recent
    await cache.get('c', embed); // evicts b
    await cache.get('a', embed);
    await cache.get('b', embed);
    assert.deepEqual(calls, ['a', 'b', 'c', 'b']);
    assert.deepEqual([cache.hits, cache.misses], [3, 4]);
    await assert.rejects(cache.get('bad', embed), /model failed/);
    await assert.rejects(cache.get('bad', embed), /model failed/);
    assert.equal(calls.filter((t) => t === 'bad').length, 2, 'a failed embedding is tried again');
    const off = new QueryVectorCache(0);
    await off.get('a', embed);
    await off.get('a', embed);
    assert.equal(calls.filter((t) => t === 'a').length, 3, 'capacity 0 keeps nothing');
  });

  it('spares the model when a hybrid query comes back (next page, other sort)', async () => {
    let embedded = 0;
    const embedder: Embedder = {
      modelId: 'count', dims: 4,
      embedQuery: async (text) => { embedded++; return vectorOf(text); },
      embedDocuments: async (texts) => texts.map(vectorOf),
    };
    const engine = new SearchEngine({ embedder });
    ['graph networks', 'neural graphs', 'string theory'].forEach((title, i) => {
      engine.upsert({ docId: i + 1, id: `2401.0000${i + 1}`, title, abstract: '', authors: [], categories: ['cs.LG'], date: '2024-01-0' + (i + 1) });
      engine.setVector(i + 1, vectorOf(title));
    });
    const first = await engine.search({ query: 'graph', mode: 'hybrid', limit: 1 });
    const next = await engine.search({ query: 'graph', mode: 'hybrid', limit: 1, offset: 1, sort: 'date' });
    assert.equal(embedded, 1);
    assert.equal(first.mode, 'hybrid');
    assert.equal(next.mode, 'hybrid');
    await engine.search({ query: 'strings', mode: 'semantic' });
    assert.equal(embedded, 2);
    const uncached = new SearchEngine({ embedder, queryCache: 0 });
    uncached.upsert({ docId: 1, id: '2401.00001', title: 'graph', abstract: '', authors: [], categories: [], date: null });
    uncached.setVector(1, vectorOf('graph'));
    await uncached.search({ query: 'graph', mode: 'hybrid' });
    await uncached.search({ query: 'graph', mode: 'hybrid' });
    assert.equal(embedded, 4);
  });
});
