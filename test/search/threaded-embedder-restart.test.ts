import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadThreadedEmbedder, testHooks, type ThreadedEmbedder } from '../../src/adapters/embedding/threaded-embedder.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';
import { SEMANTIC_FAILED } from '../../src/app/search/search-notices.ts';
import { isPaperboyError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { MODEL_DIR } from './model-dir.ts';

const SENTENCE = 'We study sparse retrieval with learned term weights and compare it to dense bi-encoders on scientific claims';
const texts = Array.from({ length: 48 }, (_, i) => `${i}: ${Array.from({ length: 1 + (i % 4) }, () => SENTENCE).join('. ')}.`);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

function capturingLogger() {
  const events: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void events.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, events };
}

describe('a crashed model thread is replaced', () => {
  let embedder: ThreadedEmbedder;
  const log = capturingLogger();
  before(async () => {
    embedder = await loadThreadedEmbedder(MODEL_DIR, { batchSize: 4, logger: log.logger });
  });
  after(() => embedder.close());

  it('embeds the next query on a fresh thread after the query thread died of an uncaught error', async () => {
    const query = 'dense retrieval of scientific claims';
    const before = await embedder.embedQuery(query);
    await testHooks.crash(embedder, 'query', 'throw');
    const afterCrash = await embedder.embedQuery(query);
    assert.ok(maxDiff(before, afterCrash) < 1e-6, 'the same vector from the new thread');
    assert.ok(log.events.some((e) => e.event === 'model.thread_crashed' && e.fields.lane === 'query'), JSON.stringify(log.events));
  });

  it('fails the batch in flight with a clear error when the bulk thread is terminated, and runs the next batch on a new thread', async () => {
    assert.equal((await embedder.embedDocuments(texts.slice(0, 2))).length, 2); // the bulk thread is up
    const inFlight = embedder.embedDocuments(texts);
    await new Promise((resolve) => setImmediate(resolve));
    await testHooks.crash(embedder, 'bulk', 'terminate');
    await assert.rejects(inFlight, (error) => isPaperboyError(error, 'MODEL_FAILED') && /bulk embedding thread exited/.test(error.message));
    const vectors = await embedder.embedDocuments(texts);
    assert.equal(vectors.length, texts.length);
    assert.ok(vectors.every((v) => v.length === embedder.dims));
  });
});

describe('a model thread that keeps crashing', () => {
  it('is restarted after a backoff (logged), while search answers by words with a notice', async () => {
    const log = capturingLogger();
    // A backoff far longer than this test: the call after the second crash in a row meets it.
    const embedder = await loadThreadedEmbedder(MODEL_DIR, { logger: log.logger, restartBackoffMs: 600_000 });
    try {
      await embedder.embedQuery('first');
      await testHooks.crash(embedder, 'query', 'terminate');
      await embedder.embedQuery('second, on the first replacement thread'); // one crash: no wait
      await testHooks.crash(embedder, 'query', 'terminate');
      await assert.rejects(embedder.embedQuery('third'), (error) => isPaperboyError(error, 'MODEL_FAILED') && /crashed 2 times in a row.*again in 600 s/.test(error.message));
      const crashes = log.events.filter((e) => e.event === 'model.thread_crashed');
      assert.deepEqual(crashes.map((e) => [e.level, e.fields.lane, e.fields.crashes, e.fields.restartInMs]), [['warn', 'query', 1, 0], ['warn', 'query', 2, 600_000]]);

      const engine = new SearchEngine({ embedder });
      engine.upsert({ docId: 1, id: '2401.00001', title: 'Sparse retrieval with learned weights', abstract: '', authors: [], categories: ['cs.IR'], date: '2024-01-01' });
      engine.setVector(1, new Float32Array(embedder.dims).fill(1 / Math.sqrt(embedder.dims)));
      const result = await engine.search({ query: 'sparse retrieval', mode: 'hybrid' });
      assert.equal(result.mode, 'lexical');
      assert.deepEqual(result.hits.map((h) => h.id), ['2401.00001']);
      assert.ok(result.notices.includes(SEMANTIC_FAILED));
    } finally {
      await embedder.close();
    }
  });
});
