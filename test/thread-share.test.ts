import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { startModuleWorker } from '../src/adapters/worker-boot.ts';
import { tempDir } from './helpers.ts';
import { iterate, lexicalOf, randomPapers, split, unitVector } from './index-files-helpers.ts';
import { FIELDS, random } from './unit/segment-helpers.ts';

interface Report {
  share: { filesRead: number; filesAdopted: number; filesHeld: number; received: number };
  vectorsLoadedAtOpen: boolean[];
  vectorsLoaded: boolean[];
  cache: { bytes: number; stored: number; adopted: number };
  results: unknown[];
}

const start = (data: unknown): Promise<{ worker: Worker; report: Report }> => {
  const worker = startModuleWorker(new URL('./thread-share-worker.ts', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', (report: Report) => resolve({ worker, report }));
    worker.once('error', reject);
  });
};

describe('worker threads of one process share the index in memory (serve --workers N)', () => {
  it('a second thread takes the first one\'s doc tables, dictionaries, postings and int8 copies instead of reading its own, and finds the same', async () => {
    const path = tempDir();
    const rand = random(21);
    const papers = randomPapers(rand, 3000, 1);
    const dir = new FileIndexDirectory({ dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1 });
    // Two lexical segments (so several files each) and vectors.
    const half = papers.length / 2;
    (await dir.rebuild(iterate(papers.slice(0, half)), { feedSeq: 1, vectorFeedSeq: 1 }, { model: 'test-model', dims: 8, vectors: iterate(papers.map((p) => ({ seq: p.seq, vector: unitVector(rand) }))) })).close();
    (await dir.write({ docs: papers.slice(half), removed: [], feedSeq: 2, vectorFeedSeq: 1 }, { model: 'test-model', dims: 8, storeLastChangeSeq: 1_000_000 })).close();
    const queries = ['w0', 'w1', 'w3', 'w7', 'w12', 'w40'].map((term) => ({ should: [{ term }, { term: 'w2' }] }));
    const first = await start({ path, waitForFiles: 0, queries, index: 0 });
    try {
      assert.ok(first.report.share.filesRead >= 4, `the first thread read ${first.report.share.filesRead} files`);
      assert.equal(first.report.share.filesAdopted, 0);
      assert.ok(first.report.cache.stored > 0 && first.report.cache.adopted === 0, JSON.stringify(first.report.cache));
      assert.deepEqual(first.report.vectorsLoadedAtOpen, [false], 'the first thread makes its int8 copy after opening');
      // Started after the first one opened the index: it asks for what the first holds.
      const second = await start({ path, waitForFiles: first.report.share.filesRead, queries, index: 1 });
      try {
        assert.equal(second.report.share.filesRead, 0, 'no file read whole a second time');
        assert.equal(second.report.share.filesAdopted, first.report.share.filesRead);
        assert.deepEqual(second.report.vectorsLoadedAtOpen, [true], 'the int8 copy is the first thread\'s, there at open');
        assert.equal(second.report.cache.stored, 0, 'no postings list read a second time');
        assert.equal(second.report.cache.adopted, first.report.cache.stored);
        assert.equal(second.report.cache.bytes, first.report.cache.bytes);
        assert.deepEqual(second.report.results, first.report.results);
        // And they are the right ones (float32 contributions on disk: scores within 0.1% of the in-memory index's).
        const reference = lexicalOf(papers);
        queries.forEach((q, i) => {
          const got = first.report.results[i] as { docId: number; score: number }[];
          const want = reference.search(q, { limit: 10 });
          assert.deepEqual(got.map((h) => h.docId), want.map((h) => h.docId));
          got.forEach((h, j) => assert.ok(Math.abs(h.score - want[j]!.score) <= 1e-3 * Math.max(1, want[j]!.score), `${h.score} against ${want[j]!.score}`));
        });
      } finally {
        second.worker.postMessage('exit');
        await new Promise((resolve) => second.worker.once('exit', resolve));
      }
    } finally {
      first.worker.postMessage('exit');
      await new Promise((resolve) => first.worker.once('exit', resolve));
    }
  });
});
