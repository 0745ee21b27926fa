import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FileSnapshot } from '../src/adapters/index-files/file-snapshot.ts';
import { tempDir } from './helpers.ts';
import { directory, EXPECT, iterate, lexicalOf, randomPapers, unitVector } from './index-files-helpers.ts';
import { random, randomQuery } from './unit/segment-helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const folderBytes = (path: string) => readdirSync(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);

describe('compaction', () => {
  it('100 rewrites of the same papers (signals, then text) keep the folder and an open snapshot flat', async () => {
    const path = tempDir();
    const dir = directory(path);
    const rand = random(9);
    const papers = randomPapers(rand, 300);
    const vectors = papers.slice(0, 100).map((p) => ({ seq: p.seq, vector: unitVector(rand) }));
    let snapshot = (await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 1 }, { model: EXPECT.model!, dims: EXPECT.dims, vectors: iterate(vectors) })) as FileSnapshot;
    const queries = Array.from({ length: 10 }, () => randomQuery(rand));
    const bytes: number[] = [];
    const held: number[] = [];
    const heap: number[] = [];
    for (let round = 1; round <= 100; round++) {
      // Half the rounds rewrite every paper's signals only, the other half its text (and vectors) too.
      const signals = papers.map((p) => ({ seq: p.seq, hfUpvotes: round, githubStars: 0, localVotes: round % 3 }));
      const batch = round % 2 === 0 ? { docs: papers, removed: [], vectors: { set: vectors, removed: [] }, signals } : { docs: [], removed: [], signals };
      snapshot.close();
      snapshot = (await dir.write({ ...batch, feedSeq: round + 1, vectorFeedSeq: round + 1 }, EXPECT)) as FileSnapshot;
      for (const query of queries) snapshot.search(query, { limit: 10 });
      snapshot.nearest(vectors[0]!.vector, 10);
      gc();
      bytes.push(folderBytes(path));
      held.push(snapshot.memoryBytes);
      heap.push(process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
    }
    const early = (series: number[]) => Math.max(...series.slice(0, 10));
    const late = (series: number[]) => Math.max(...series.slice(90));
    assert.ok(late(bytes) <= 1.25 * early(bytes), `folder grew from ${early(bytes)} to ${late(bytes)} bytes`);
    assert.ok(late(held) <= 1.25 * early(held), `snapshot memory grew from ${early(held)} to ${late(held)} bytes`);
    assert.ok(late(heap) - early(heap) < 16 << 20, `process memory grew by ${(late(heap) - early(heap)) >> 20} MB`);
    // And the results are still those of the papers as they are.
    assert.equal(snapshot.size, 300);
    assert.equal(snapshot.signals(5).hfUpvotes, 100);
    assert.equal(snapshot.vectorCount, 100);
    const reference = lexicalOf(papers);
    for (const query of queries) assert.deepEqual(snapshot.search(query, { limit: 10 }).map((h) => h.docId), reference.search(query, { limit: 10 }).map((h) => h.docId));
    snapshot.close();
  });
});
