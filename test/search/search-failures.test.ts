import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import { SEMANTIC_FAILED } from '../../src/app/search/search-notices.ts';
import type { Embedder } from '../../src/ports/embedder.ts';

const unit = Float32Array.from([1, 0, 0]);

function engineWith(embedQuery: (engine: SearchEngine) => Promise<Float32Array>) {
  const embedder: Embedder = { modelId: 'test', dims: 3, embedQuery: () => embedQuery(engine), embedDocuments: async () => [] };
  const engine: SearchEngine = new SearchEngine({ embedder });
  for (const [docId, title] of [[1, 'Sparse retrieval with learned weights'], [2, 'Dense retrieval with bi-encoders'], [3, 'Graph neural networks']] as const) {
    engine.upsert({ docId, id: `2401.0000${docId}`, title, abstract: '', authors: [], categories: ['cs.IR'], date: '2024-01-01' });
    engine.setVector(docId, unit);
  }
  return engine;
}

describe('search when something fails or changes under it', () => {
  it('answers by words, with a notice, when the embedding model fails (a dead model thread was a 500)', async () => {
    const engine = engineWith(async () => {
      throw new Error('the query embedding thread exited (code 1)');
    });
    for (const mode of ['hybrid', 'semantic'] as const) {
      const r = await engine.search({ query: 'retrieval', mode });
      assert.equal(r.mode, 'lexical', mode);
      assert.deepEqual(r.hits.map((h) => h.id).sort(), ['2401.00001', '2401.00002']);
      assert.ok(r.notices.includes(SEMANTIC_FAILED));
    }
  });

  it('never returns, or fails on, a paper removed while the query was being embedded', async () => {
    const engine = engineWith(async (e) => {
      e.remove(1); // a refresh applying a deletion during the wait
      return unit;
    });
    const r = await engine.search({ query: 'sparse retrieval', mode: 'hybrid' });
    assert.ok(!r.hits.some((h) => h.id === '2401.00001'), r.hits.map((h) => h.id).join());
    assert.ok(r.hits.some((h) => h.id === '2401.00002'));
  });
});
