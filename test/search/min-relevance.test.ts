import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadThreadedEmbedder } from '../../src/adapters/embedding/threaded-embedder.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import { NOTHING_CLOSE } from '../../src/app/search/search-notices.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import { testApp } from '../app-helpers.ts';
import { fixture } from '../helpers.ts';
import { MODEL_DIR } from './model-dir.ts';

const unit = (x: number) => Float32Array.from([x, Math.sqrt(1 - x * x), 0]);

/** Two papers; the query vector's best cosine with them is whatever the test sets. */
function engineWithBest(best: number) {
  const embedder: Embedder = { modelId: 'test', dims: 3, embedQuery: async () => unit(1), embedDocuments: async () => [] };
  const engine = new SearchEngine({ embedder, minRelevance: 0.3 });
  engine.upsert({ docId: 1, id: '2401.00001', title: 'Sparse retrieval', abstract: 'Learned term weights.', authors: [], categories: ['cs.IR'], date: '2024-01-01' });
  engine.upsert({ docId: 2, id: '2401.00002', title: 'Dense retrieval', abstract: 'Bi-encoders.', authors: [], categories: ['cs.IR'], date: '2024-01-02' });
  engine.setVector(1, unit(best));
  engine.setVector(2, unit(best - 0.05));
  return engine;
}

describe('the minimum-relevance rule', () => {
  it('gives no results, with a notice, when no paper has the words and none is close in meaning', async () => {
    for (const mode of ['hybrid', 'semantic'] as const) {
      const r = await engineWithBest(0.25).search({ query: 'qwxzyv flurbonic transmogrifier', mode });
      assert.deepEqual(r.hits, [], mode);
      assert.equal(r.total, 0);
      assert.ok(r.notices.includes(NOTHING_CLOSE), mode);
    }
  });

  it('keeps results when the words match, or when the meaning is close', async () => {
    const words = await engineWithBest(0.1).search({ query: 'sparse', mode: 'hybrid' });
    assert.equal(words.hits[0]!.id, '2401.00001');
    assert.ok(!words.notices.includes(NOTHING_CLOSE));
    const wordsSemantic = await engineWithBest(0.1).search({ query: 'sparse', mode: 'semantic' });
    assert.equal(wordsSemantic.hits.length, 2, 'semantic mode ranks by meaning once some paper has the words');
    const meaning = await engineWithBest(0.6).search({ query: 'neural lookup of documents', mode: 'hybrid' });
    assert.equal(meaning.hits.length, 2);
  });

  it('with the real model: a nonsense query gets the empty state on the page and in the API, a paraphrase does not', async () => {
    const embedder = await loadThreadedEmbedder(MODEL_DIR);
    try {
      const { app, searchService, store } = await testApp({ fixtures: [fixture('web-papers.jsonl')], embedder });
      const service = await searchService();
      for await (const row of store.scanIndexable()) {
        const [vector] = await embedder.embedDocuments([`${row.title}. ${row.abstract}`]);
        await store.saveEmbeddings(embedder.modelId, [{ seq: row.seq, textHash: 'test', vector: vector! }]);
      }
      await service.refresh();
      const nonsense = (await (await app.request('/api/search?q=qwxzyv+flurbonic+transmogrifier')).json()) as { items: unknown[]; notices: string[] };
      assert.deepEqual(nonsense.items, []);
      assert.ok(nonsense.notices.includes(NOTHING_CLOSE), nonsense.notices.join('|'));
      assert.ok((await (await app.request('/search?q=qwxzyv+flurbonic+transmogrifier')).text()).includes(NOTHING_CLOSE.split(':')[0]!));
      const paraphrase = (await (await app.request('/api/search?q=finding+documents+with+neural+networks')).json()) as { items: unknown[] };
      assert.ok(paraphrase.items.length > 0);
    } finally {
      await embedder.close();
    }
  });
});
