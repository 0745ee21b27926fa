import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localGraphView, remoteGraphViews, startGraphThread } from '../src/adapters/vector/graph-views.ts';
import { newGraph } from '../src/adapters/vector/vector-graph.ts';
import { tempDir } from './helpers.ts';
import { unitVector } from './index-files-helpers.ts';
import { random } from './unit/segment-helpers.ts';

describe('one graph thread maps the vector graphs for every worker thread of a serve', () => {
  it('answers as a graph mapped in the caller\'s thread does, reports failures, and falls back to mapping it there when it is gone', async () => {
    const rand = random(31);
    const dims = 16;
    const graph = newGraph(dims);
    const rows = 3000;
    const vectors = new Float32Array(rows * dims);
    for (let r = 0; r < rows; r++) vectors.set(unitVector(rand, dims), r * dims);
    graph.add(new BigUint64Array(Array.from({ length: rows }, (_, r) => BigInt(r))), vectors, 1);
    const path = join(tempDir(), 'vec-1.hnsw');
    graph.save(path);

    const local = localGraphView(path, dims);
    const thread = startGraphThread(2);
    const fallbacks: string[] = [];
    const open = remoteGraphViews(thread.channel, 1, (reason) => fallbacks.push(reason), 2000);
    const remote = open(path, dims);
    const same = (k: number) => {
      const query = unitVector(rand, dims);
      const want = local.search(query, k);
      const got = remote.search(query, k);
      assert.deepEqual(Array.from(got.keys, Number), Array.from(want.keys, Number));
      assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
      assert.equal(got.keys.length, Math.min(k, rows));
    };
    try {
      for (let i = 0; i < 20; i++) same(1 + (i * 37) % 400);
      same(5000); // more than the graph holds
      // A graph file that cannot be mapped: the caller gets the error, as with a graph mapped here.
      assert.throws(() => open(join(tempDir(), 'missing.hnsw'), dims).search(unitVector(rand, dims), 10), /graph search failed/);
      same(10); // and the thread goes on answering
      assert.deepEqual(fallbacks, []);
    } finally {
      await thread.stop();
    }
    // Gone: the caller maps the graph itself after the timeout, and answers the same.
    same(25);
    assert.equal(fallbacks.length, 1);
    assert.match(fallbacks[0]!, /did not answer within 2000 ms/);
    same(25);
    assert.equal(fallbacks.length, 1, 'one timeout, then the caller maps the graph itself');
  });
});
