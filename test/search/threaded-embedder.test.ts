import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { loadOnnxEmbedder } from '../../src/adapters/embedding/onnx-embedder.ts';
import { loadThreadedEmbedder, type ThreadedEmbedder } from '../../src/adapters/embedding/threaded-embedder.ts';
import { isPaperboyError } from '../../src/core/errors.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import { loopTurnsDuring, ROOT, tempDir } from '../helpers.ts';
import { MODEL_DIR } from './model-dir.ts';


// Abstract-length texts of different lengths (the bulk thread reorders them by length).
const SENTENCE = 'We study sparse retrieval with learned term weights and compare it to dense bi-encoders on scientific claims';
const texts = Array.from({ length: 24 }, (_, i) => `${i}: ${Array.from({ length: 1 + (i % 5) }, () => SENTENCE).join('. ')}.`);

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe('the embedding model in worker threads', () => {
  let inProcess: Embedder;
  let threaded: ThreadedEmbedder;
  before(async () => {
    inProcess = await loadOnnxEmbedder(MODEL_DIR, { threads: 1, batchSize: 24 });
    threaded = await loadThreadedEmbedder(MODEL_DIR, { batchSize: 24 });
  });
  after(() => threaded.close());

  it('gives the same vectors as the model run in process, in the order of the texts', async () => {
    assert.equal(threaded.modelId, inProcess.modelId);
    assert.equal(threaded.dims, inProcess.dims);
    const [mine, theirs] = [await threaded.embedDocuments(texts), await inProcess.embedDocuments(texts)];
    assert.equal(mine.length, texts.length);
    mine.forEach((v, i) => assert.ok(maxDiff(v, theirs[i]!) < 1e-4, `text ${i}`));
    const query = 'dense retrieval of scientific claims';
    assert.ok(maxDiff(await threaded.embedQuery(query), await inProcess.embedQuery(query)) < 1e-4);
    assert.deepEqual(await threaded.embedDocuments([]), []);
  });

  it('leaves the event loop free while it embeds (in process, ONNX Runtime holds the loop for a whole batch)', async (t) => {
    // One batch of 24 texts of one length: in process, a single inference call.
    const sameLength = Array.from({ length: 24 }, (_, i) => `${i % 10}: ${SENTENCE}. ${SENTENCE}. ${SENTENCE}.`);
    const oneBatch = await loadOnnxEmbedder(MODEL_DIR, { threads: 1, batchSize: 24, tokenBudget: 100_000 });
    // Counted in turns of the event loop, not in milliseconds, so that a busy machine cannot flip it.
    const blocked = (await loopTurnsDuring(() => oneBatch.embedDocuments(sameLength))).turns;
    const free = (await loopTurnsDuring(() => threaded.embedDocuments(sameLength))).turns;
    t.diagnostic(`event loop turns: ${free} in threads, ${blocked} in process`);
    assert.ok(free > 10 * (blocked + 1), `the event loop turned ${free} times while the threads embedded, ${blocked} times in process`);
  });

  it('answers a query while a long bulk job is running, before the job ends', async () => {
    const small = await loadThreadedEmbedder(MODEL_DIR, { batchSize: 4 });
    try {
      const order: string[] = [];
      const bulk = small.embedDocuments([...texts, ...texts]).then(() => order.push('bulk'));
      await new Promise((r) => setTimeout(r, 50));
      await small.embedQuery('a query typed while papers are being embedded').then(() => order.push('query'));
      await bulk;
      assert.deepEqual(order, ['query', 'bulk']);
    } finally {
      await small.close();
    }
  });

  it('fails with the model error when the folder has no model, and rejects calls after close', async () => {
    await assert.rejects(loadThreadedEmbedder(tempDir()), (error) => isPaperboyError(error, 'NOT_FOUND') && /model:fetch/.test(error.message));
    const closing = await loadThreadedEmbedder(MODEL_DIR);
    await closing.close();
    await assert.rejects(closing.embedQuery('anything'), (error) => isPaperboyError(error, 'MODEL_FAILED'));
  });

  it('keeps the process alive while a call is pending, and lets it exit when idle', async () => {
    const script = `
      const { loadThreadedEmbedder } = await import('./src/adapters/embedding/threaded-embedder.ts');
      const e = await loadThreadedEmbedder(${JSON.stringify(MODEL_DIR)});
      const vectors = await e.embedDocuments(['one text', 'another text']);
      console.log('embedded ' + vectors.length);`;
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /embedded 2/);
  });
});
