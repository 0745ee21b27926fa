import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIndexDirectory, ThreadedIndexDirectory } from '../src/adapters/index-files/writer-thread.ts';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { WriterLock } from '../src/adapters/index-files/writer-lock.ts';
import type { IndexDirectory, Snapshot, WriteBatch } from '../src/ports/search-index.ts';
import { loopTurnsDuring, tempDir } from './helpers.ts';
import { EXPECT, randomPapers, unitVector } from './index-files-helpers.ts';
import { FIELDS, random } from './unit/segment-helpers.ts';

const opened = async (dir: IndexDirectory) => {
  const s = await dir.open(EXPECT);
  if ('rebuild' in s) assert.fail(s.rebuild);
  return s;
};

/** A batch big enough to take the writer a while: papers and vectors (an HNSW graph above 500). */
function bigBatch(seed: number, count: number, first: number, feedSeq: number): WriteBatch {
  const rand = random(seed);
  const docs = randomPapers(rand, count, first);
  return { docs, removed: [], vectors: { set: docs.map((d) => ({ seq: d.seq, vector: unitVector(rand) })), removed: [] }, feedSeq, vectorFeedSeq: feedSeq };
}

const spec = (dir: string) => ({ dir, fields: FIELDS, k1: 1.2, buildThreads: 1, graphAbove: 500 });

describe('index writes on a thread of their own', () => {
  it('writes the same generation as the directory itself, while this thread keeps turning', async () => {
    const a = tempDir();
    const b = tempDir();
    const threaded = new ThreadedIndexDirectory(new FileIndexDirectory(spec(a)), spec(a));
    const inline = new FileIndexDirectory(spec(b));
    try {
      const batch = bigBatch(3, 4000, 1, 10);
      const there = await loopTurnsDuring(() => threaded.write(batch, EXPECT));
      const here = await loopTurnsDuring(() => inline.write(batch, EXPECT));
      // The inline write holds this thread from start to end: a few turns at most (its awaits).
      assert.ok(there.turns > 10 * Math.max(1, here.turns), `event-loop turns during the write: ${there.turns} on a thread, ${here.turns} inline`);
      const x: Snapshot = there.result;
      const y: Snapshot = here.result;
      try {
        assert.equal(x.generation, y.generation);
        assert.equal(x.vectorCount, 4000);
        const query = { should: [{ term: 'w1' }, { term: 'w7' }] };
        assert.deepEqual(x.search(query, { limit: 50 }), y.search(query, { limit: 50 }));
        assert.deepEqual(x.nearest(batch.vectors!.set[5]!.vector, 10), y.nearest(batch.vectors!.set[5]!.vector, 10));
      } finally {
        x.close();
        y.close();
      }
      // A second write on the same thread; merges are run there too.
      (await threaded.write(bigBatch(4, 100, 5000, 11), EXPECT)).close();
      const merged = await threaded.merge(EXPECT);
      assert.equal(merged, null, 'two segments: nothing to merge');
      const now = await opened(threaded);
      assert.equal(now.feedSeq, 11);
      now.close();
    } finally {
      await threaded.close();
    }
  });

  it('a lock another writer holds comes back as IndexLockedError (name and code), and nothing is written', async () => {
    const path = tempDir();
    const threaded = new ThreadedIndexDirectory(new FileIndexDirectory(spec(path)), spec(path));
    const held = WriterLock.acquire(path);
    try {
      await assert.rejects(threaded.write(bigBatch(5, 10, 1, 1), EXPECT), (error: Error & { code?: string }) => error.name === 'IndexLockedError' && error.code === 'index_locked');
      assert.equal(threaded.currentGeneration(), -1);
    } finally {
      held.release();
    }
    (await threaded.write(bigBatch(5, 10, 1, 1), EXPECT)).close();
    assert.equal(threaded.currentGeneration(), 1);
    await threaded.close();
  });

  it('forwards the thread\'s log events and survives the thread\'s end', async () => {
    const path = tempDir();
    const events: string[] = [];
    const logger = { debug() {}, info: (event: string) => events.push(event), warn: (event: string) => events.push(event), error: (event: string) => events.push(event) };
    const threaded = new ThreadedIndexDirectory(new FileIndexDirectory({ ...spec(path), maxSegments: 1 }), { ...spec(path), maxSegments: 1 }, logger);
    (await threaded.write(bigBatch(6, 20, 1, 1), EXPECT)).close();
    await threaded.close(); // the next write starts another thread
    (await threaded.write(bigBatch(7, 20, 100, 2), EXPECT)).close();
    assert.ok(events.includes('index.merged'), `events: ${events.join(', ')}`);
    const s = await opened(threaded);
    assert.equal(s.parts.length, 1);
    s.close();
    await threaded.close();
  });

  it('createIndexDirectory writes on a thread unless asked not to or given a custom analyser', () => {
    const path = tempDir();
    assert.ok(createIndexDirectory(path) instanceof ThreadedIndexDirectory);
    assert.ok(createIndexDirectory(path, { writerThread: false }) instanceof FileIndexDirectory);
    assert.ok(createIndexDirectory(path, { analyze: (t, emit) => emit(t) }) instanceof FileIndexDirectory);
  });
});
