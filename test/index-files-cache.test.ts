import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { tempDir } from './helpers.ts';
import { EXPECT, lexicalOf, randomPapers, split } from './index-files-helpers.ts';
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
});
