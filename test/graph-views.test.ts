import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localGraphView, remoteGraphViews, startGraphThread } from '../src/adapters/vector/graph-views.ts';
import { newGraph } from '../src/adapters/vector/vector-graph.ts';
import { tempDir } from './helpers.ts';
import { unitVector } from './index-files-helpers.ts';
import { random } from './unit/segment-helpers.ts';

describe('one graph thread maps the vector graphs for every worker thread of a serve', () => {
  it('answers as a graph mapped in the caller\'s thread does, keeps a graph while a worker holds it, reports failures, and falls back to mapping it there when it is gone', async () => {
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
    // Patient callers while the thread runs (it boots through tsx here, seconds on a busy machine);
    // `quick`, on another slot, for the fallback once it is gone.
    const open = remoteGraphViews(thread.channel, 1, (reason) => fallbacks.push(reason), 30_000);
    const other = remoteGraphViews(thread.channel, 0, (reason) => fallbacks.push(reason), 30_000);
    const quickFallbacks: string[] = [];
    const quick = remoteGraphViews(thread.channel, 0, (reason) => quickFallbacks.push(reason), 1000);
    let opened: ReturnType<typeof quick> | undefined;
    const remote = open(path, dims, '1:2');
    const same = (view = remote, k = 25) => {
      const query = unitVector(rand, dims);
      const want = local.search(query, k);
      const got = view.search(query, k);
      assert.deepEqual(Array.from(got.keys, Number), Array.from(want.keys, Number));
      assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
      assert.equal(got.keys.length, Math.min(k, rows));
    };
    try {
      for (let i = 0; i < 20; i++) same(remote, 1 + (i * 37) % 400);
      same(remote, 5000); // more than the graph holds
      // A second worker's view of the same file; closing one leaves the other searchable.
      const second = other(path, dims, '1:2');
      same(second);
      second.close();
      same(remote);
      assert.throws(() => second.search(unitVector(rand, dims), 5), /after it was closed/);
      // A worker that exited: what it held is released; the others' views stay.
      const survivor = open(path, dims, '1:2');
      const orphan = other(path, dims, '1:2');
      same(orphan);
      thread.releaseSlot(0);
      same(survivor);
      // A graph file that cannot be mapped: the caller gets the error at open, as with a graph mapped here.
      assert.throws(() => open(join(tempDir(), 'missing.hnsw'), dims, '1:2'), /graph search failed/);
      same(remote); // and the thread goes on answering
      assert.deepEqual(fallbacks, []);
      opened = quick(path, dims, '1:2');
      same(opened);
    } finally {
      await thread.stop();
    }
    // Gone: the caller maps the graph itself after the timeout (a graph opened before, and one opened after), and answers the same.
    same(opened!);
    assert.equal(quickFallbacks.length, 1);
    assert.match(quickFallbacks[0]!, /did not answer within 1000 ms/);
    same(quick(path, dims, '1:2'));
    assert.equal(quickFallbacks.length, 1, 'one timeout, then the caller maps graphs itself');
  });
});
