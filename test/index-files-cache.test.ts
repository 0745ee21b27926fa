import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { loopTurnsDuring, tempDir } from './helpers.ts';
import type { FileSnapshot } from '../src/adapters/index-files/file-snapshot.ts';
import { EXPECT, iterate, lexicalOf, randomPapers, split, unitVector } from './index-files-helpers.ts';
import { FIELDS, random } from './unit/segment-helpers.ts';

describe('postings kept in memory across generations', () => {
  it('never serves a list of a segment that was deleted and made again under the same name', async () => {
    const path = tempDir();
    // One directory object for the whole test: its postings cache outlives every generation.
    const dir = new FileIndexDirectory({ dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1, postingsCacheBytes: 8 << 20 });
    const query = { should: [{ term: 'w0' }, { term: 'w1' }, { term: 'w2' }] };
    const searchAll = async () => {
      const s = await dir.open({ ...EXPECT, model: null });
      if ('rebuild' in s) assert.fail(s.rebuild);
      try {
        return s.search(query, { limit: 1000 });
      } finally {
        s.close();
      }
    };
    const first = randomPapers(random(1), 1500, 1);
    (await dir.write({ docs: first, removed: [], feedSeq: 1, vectorFeedSeq: 0 }, { ...EXPECT, model: null })).close();
    assert.deepEqual(await searchAll(), lexicalOf(first).search(query, { limit: 1000 }));
    await searchAll(); // now from the cache
    // The folder is removed under the running process and written again: the same segment name, other papers.
    rmSync(path, { recursive: true, force: true });
    const second = randomPapers(random(2), 1200, 5000);
    (await dir.write({ docs: second, removed: [], feedSeq: 1, vectorFeedSeq: 0 }, { ...EXPECT, model: null })).close();
    assert.deepEqual(await searchAll(), lexicalOf(second).search(query, { limit: 1000 }));
  });

  it('reads the most frequent terms ahead after opening, when asked to (a service), in steps', async () => {
    const path = tempDir();
    const papers = randomPapers(random(3), 3000, 1);
    const options = { dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1, postingsCacheBytes: 8 << 20 };
    (await new FileIndexDirectory(options).write({ docs: papers, removed: [], feedSeq: 1, vectorFeedSeq: 0 }, { ...EXPECT, model: null })).close();
    for (const warmPostings of [false, true]) {
      const dir = new FileIndexDirectory({ ...options, warmPostings });
      const s = await dir.open({ ...EXPECT, model: null });
      if ('rebuild' in s) assert.fail(s.rebuild);
      const cache = dir.postingsCache!;
      const { turns } = await loopTurnsDuring(async () => {
        for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      });
      assert.ok(turns > 0);
      if (!warmPostings) {
        assert.equal(cache.bytes, 0, 'nothing read ahead');
      } else {
        assert.ok(cache.bytes > 0 && cache.bytes <= (cache.budget * 3) / 4, `read ahead ${cache.bytes} bytes`);
        // The most frequent word's list is in memory before any search asked for it: no miss.
        const misses = cache.misses;
        assert.deepEqual(s.search({ should: [{ term: 'w0' }] }, { limit: 10 }), lexicalOf(papers).search({ should: [{ term: 'w0' }] }, { limit: 10 }));
        assert.equal(cache.misses, misses);
      }
      s.close();
    }
  });

  it('reads ahead at most its own bound, then keeps the lists searched beyond it', async () => {
    const path = tempDir();
    const papers = randomPapers(random(4), 3000, 1);
    const options = { dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1, postingsCacheBytes: 8 << 20, warmPostings: true };
    (await new FileIndexDirectory(options).write({ docs: papers, removed: [], feedSeq: 1, vectorFeedSeq: 0 }, { ...EXPECT, model: null })).close();
    const open = async (extra: { readAheadPostingsBytes?: number }) => {
      const dir = new FileIndexDirectory({ ...options, ...extra });
      const s = await dir.open({ ...EXPECT, model: null });
      if ('rebuild' in s) assert.fail(s.rebuild);
      await dir.readAhead();
      return { s, cache: dir.postingsCache! };
    };
    const unbounded = await open({ readAheadPostingsBytes: Infinity });
    const readWithoutBound = unbounded.cache.bytes;
    unbounded.s.close();
    assert.ok(readWithoutBound > 64 << 10, `read ahead ${readWithoutBound} bytes without a bound`);
    const bound = Math.floor(readWithoutBound / 2);
    const { s, cache } = await open({ readAheadPostingsBytes: bound });
    assert.ok(cache.bytes > 0 && cache.bytes <= bound, `read ahead ${cache.bytes} bytes with a bound of ${bound}`);
    // Searches keep their lists whatever the read-ahead took: the cache grows past the bound.
    const reference = lexicalOf(papers);
    for (let i = 0; i < 300; i++) assert.deepEqual(s.search({ should: [{ term: `w${i}` }] }, { limit: 10 }), reference.search({ should: [{ term: `w${i}` }] }, { limit: 10 }));
    assert.ok(cache.bytes > bound, `${cache.bytes} bytes kept after searching, bound ${bound}`);
    s.close();
  });

  it('shares the int8 vector copies between generations: a new one takes over what an older one loaded', async () => {
    const path = tempDir();
    const rand = random(5);
    const papers = randomPapers(rand, 300, 1);
    const dir = new FileIndexDirectory({ dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1, warmPostings: true });
    (await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 1 }, { model: 'test-model', dims: 8, vectors: iterate(papers.map((p) => ({ seq: p.seq, vector: unitVector(rand) }))) })).close();
    const turns = async () => {
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const first = (await dir.open(EXPECT)) as FileSnapshot;
    assert.equal(first.vectorSegments.some((v) => v.loaded), false, 'loaded in the background, not at open');
    await turns();
    assert.ok(first.vectorSegments.every((v) => v.loaded));
    first.close();
    (await dir.write({ docs: [], removed: [], vectors: { set: [{ seq: 1, vector: unitVector(rand) }], removed: [] }, feedSeq: 1, vectorFeedSeq: 2 }, EXPECT)).close();
    const second = (await dir.open(EXPECT)) as FileSnapshot;
    assert.equal(second.vectorSegments.length, 2);
    // The segment both generations hold is loaded at open (taken over); the new one after the warm-up.
    assert.deepEqual(second.vectorSegments.map((v) => v.loaded), [true, false]);
    await turns();
    assert.ok(second.vectorSegments.every((v) => v.loaded));
    second.close();
  });
});
