import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { BuildPool } from '../src/adapters/index-files/build-pool.ts';
import type { FileSnapshot } from '../src/adapters/index-files/file-snapshot.ts';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { IndexLockedError, releaseLocksOfThisProcess, startOf as processStart, STALE_LOCK_MS, WriterLock } from '../src/adapters/index-files/writer-lock.ts';
import { LexicalIndex } from '../src/core/search/lexical-index.ts';
import type { IndexDoc, Snapshot } from '../src/ports/search-index.ts';
import { tempDir } from './helpers.ts';
import { directory, EXPECT, iterate, lexicalOf, randomPapers, unitVector } from './index-files-helpers.ts';
import { FIELDS, random, randomQuery } from './unit/segment-helpers.ts';

const opened = async (dir: FileIndexDirectory, expect = EXPECT): Promise<Snapshot> => {
  const result = await dir.open(expect);
  if ('rebuild' in result) throw new Error(`expected an index, got: ${result.rebuild}`);
  return result;
};

/** Same documents (exactly) and same scores (closely) as the reference. */
function assertSameHits(got: { docId: number; score: number }[], want: { docId: number; score: number }[], label: string, tolerance = 1e-5) {
  assert.deepEqual(got.map((h) => h.docId), want.map((h) => h.docId), label);
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) <= tolerance * Math.max(1, want[i]!.score), `${label} #${i}: ${h.score} vs ${want[i]!.score}`));
}

describe('the index directory', () => {
  it('save then open gives the same results as the in-memory index, and the same meta', async () => {
    const rand = random(3);
    const papers = randomPapers(rand, 300);
    const dir = directory(tempDir());
    const written = await dir.rebuild(iterate(papers), { feedSeq: 10, vectorFeedSeq: 0 });
    written.close();
    const snapshot = await opened(dir);
    const lexical = lexicalOf(papers);
    assert.equal(snapshot.size, 300);
    assert.equal(snapshot.feedSeq, 10);
    for (let q = 0; q < 100; q++) {
      const query = randomQuery(rand);
      const filter = q % 3 === 0 ? (seq: number) => snapshot.inCategories(seq, ['cs']) : undefined;
      assertSameHits(snapshot.search(query, { limit: 10, ...(filter ? { filter } : {}) }), lexical.search(query, { limit: 10, filter }), JSON.stringify(query));
    }
    const paper = papers[41]!;
    assert.deepEqual(snapshot.meta(paper.seq), { seq: paper.seq, id: paper.id, day: Date.parse(paper.date!) / 86_400_000, categories: paper.categories });
    assert.equal(snapshot.seqOf(paper.id), paper.seq);
    assert.equal(snapshot.seqOf('nope'), undefined);
    assert.equal(snapshot.signals(paper.seq).hfUpvotes, paper.signals!.hfUpvotes);
    assert.equal(snapshot.contains(paper.seq, { term: paper.authors[0]!, fields: ['authors'] }), true);
    const day = snapshot.day(paper.seq);
    assert.ok(snapshot.byDay(day, day).includes(paper.seq));
    assert.equal(snapshot.latestDay(100_000), Math.max(...papers.map((p) => snapshot.day(p.seq))));
    // A retained snapshot stays readable until its last user closes it; then reads throw, never answer.
    const query = { should: [{ term: 'w1' }, { term: 'w2' }] };
    snapshot.retain();
    snapshot.close();
    assert.ok(snapshot.search(query, { limit: 5 }).length > 0);
    snapshot.close();
    assert.throws(() => snapshot.search(query, { limit: 5 }), /closed/);
  });

  it('builds on two worker threads and merges to the policy; results match one in-memory index', async () => {
    const rand = random(8);
    const papers = randomPapers(rand, 1200);
    const dir = directory(tempDir(), { analyze: false, buildThreads: 2, segmentDocs: 100, singleSegmentBelow: 0 });
    const snapshot = await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 0 });
    // 12 segments built, merged down to 8.
    assert.equal(snapshot.parts.length, 8);
    assert.equal(snapshot.size, 1200);
    const lexical = new LexicalIndex({ fields: FIELDS, k1: 1.2 });
    for (const d of papers) lexical.add(d.seq, { title: d.title, abstract: d.abstract, authors: d.authors.join(' ; ') });
    let common = 0;
    for (let q = 0; q < 50; q++) {
      const query = randomQuery(rand);
      const want = new Set(lexical.search(query, { limit: 10 }).map((h) => h.docId));
      const got = snapshot.search(query, { limit: 10 });
      common += got.filter((h) => want.has(h.docId)).length / Math.max(1, want.size);
    }
    assert.ok(common / 50 > 0.85, `top 10s agree ${common / 50}`);
    snapshot.close();
    // A rebuild of fewer papers than singleSegmentBelow (default 5,000,000) ends in one segment: exact.
    const single = await directory(tempDir(), { analyze: false, buildThreads: 2, segmentDocs: 100 }).rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 0 });
    assert.equal(single.parts.length, 1);
    for (let q = 0; q < 50; q++) {
      const query = randomQuery(rand);
      assertSameHits(single.search(query, { limit: 10 }), lexical.search(query, { limit: 10 }), JSON.stringify(query));
    }
    single.close();
  });

  it('writes replace, delete and add documents; merging everything equals a rebuild', async () => {
    const rand = random(4);
    const base = directory(tempDir());
    const merged = directory(tempDir(), { maxSegments: 1 });
    const live = new Map<number, IndexDoc>();
    let feed = 0;
    for (let round = 0; round < 6; round++) {
      const added = randomPapers(rand, 40, 1 + round * 30); // overlaps the previous round: replacements
      const removed = [...live.keys()].filter((seq) => rand() < 0.1 && !added.some((d) => d.seq === seq));
      for (const seq of removed) live.delete(seq);
      for (const d of added) live.set(d.seq, d);
      feed += 5;
      for (const dir of [base, merged]) (await dir.write({ docs: added, removed, feedSeq: feed, vectorFeedSeq: 0 }, EXPECT)).close();
    }
    const reference = lexicalOf([...live.values()]);
    const rebuilt = directory(tempDir());
    (await rebuilt.rebuild(iterate([...live.values()]), { feedSeq: feed, vectorFeedSeq: 0 })).close();
    const [a, b, c] = [await opened(base), await opened(merged), await opened(rebuilt)];
    assert.equal(a.size, live.size);
    assert.equal(b.parts.length, 1);
    assert.deepEqual([...a.seqs()], [...live.keys()].sort((x, y) => x - y));
    for (let q = 0; q < 80; q++) {
      const query = randomQuery(rand);
      // Unmerged: the same documents as the reference (deleted ones still count in df until merged,
      // so a near-universal word may be dropped as uninformative on one side only: such queries skip this).
      const stats = a.stats();
      const universal = query.should.some((c) => stats.docFreq(c.term) > 0.95 * stats.docs || reference.docFreq(c.term) > 0.95 * reference.size);
      if (!universal) assert.deepEqual(new Set(a.search(query, { limit: 1000 }).map((h) => h.docId)), new Set(reference.search(query, { limit: 1000 }).map((h) => h.docId)), JSON.stringify(query));
      // Merged into one segment: exactly the rebuild and the in-memory index.
      assertSameHits(b.search(query, { limit: 10 }), c.search(query, { limit: 10 }), JSON.stringify(query), 0);
      assertSameHits(b.search(query, { limit: 10 }), reference.search(query, { limit: 10 }), JSON.stringify(query));
    }
    for (const s of [a, b, c]) s.close();
  });

  it('a flushed segment of a few long papers scores as one index of every paper would (global averages)', async () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 50}`).join(' ');
    const paper = (seq: number, abstract: string): IndexDoc => ({ seq, id: `2401.${String(seq).padStart(5, '0')}`, title: `paper ${seq}`, abstract, authors: ['A B'], categories: ['cs.IR'], date: '2024-01-01' });
    const base = Array.from({ length: 200 }, (_, i) => paper(i + 1, `${i < 5 ? 'graphene ' : ''}${filler(20)}`));
    const flushed = [paper(500, `graphene ${filler(200)}`), paper(501, `graphene ${filler(200)}`)];
    const dir = directory(tempDir());
    (await dir.rebuild(iterate(base), { feedSeq: 1, vectorFeedSeq: 0 })).close();
    const snapshot = await dir.write({ docs: flushed, removed: [], feedSeq: 2, vectorFeedSeq: 0 }, EXPECT);
    assert.equal(snapshot.parts.length, 2);
    const reference = lexicalOf([...base, ...flushed]);
    assertSameHits(snapshot.search({ should: [{ term: 'graphene' }] }, { limit: 7 }), reference.search({ should: [{ term: 'graphene' }] }, { limit: 7 }), 'graphene');
    snapshot.close();
  });

  it('searches segments plus an in-memory delta with global stats; superseded seqs are hidden', async () => {
    const rand = random(12);
    const papers = randomPapers(rand, 200);
    const dir = directory(tempDir());
    const snapshot = await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 0 });
    const changed = randomPapers(rand, 20, 50); // seqs 50..69 get new text in the delta
    const delta = lexicalOf(changed);
    for (const d of changed) snapshot.supersede(d.seq);
    const current = new Map(papers.map((p) => [p.seq, p]));
    for (const d of changed) current.set(d.seq, d);
    const reference = lexicalOf(current.values());
    for (let q = 0; q < 60; q++) {
      const query = randomQuery(rand);
      const got = snapshot.search(query, { limit: 1000, extra: [delta] });
      assert.deepEqual(new Set(got.map((h) => h.docId)), new Set(reference.search(query, { limit: 1000 }).map((h) => h.docId)));
      assert.equal(new Set(got.map((h) => h.docId)).size, got.length, 'a seq appears once');
    }
    assert.equal(snapshot.has(55), false);
    assert.equal(snapshot.meta(55), undefined);
    snapshot.close();
  });

  it('stores vectors: exact rows, nearest equal to a brute-force scan, graph hits scored from the f16 graph', async () => {
    const rand = random(17);
    const papers = randomPapers(rand, 400);
    const vectors = new Map(papers.map((p) => [p.seq, unitVector(rand)]));
    for (const graphAbove of [100_000, 50]) {
      const dir = directory(tempDir(), { graphAbove });
      const snapshot = await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 1 }, { model: 'test-model', dims: 8, vectors: iterate([...vectors].map(([seq, vector]) => ({ seq, vector }))) });
      assert.equal(snapshot.vectorCount, 400);
      assert.deepEqual(snapshot.vector(7), vectors.get(7));
      let recall = 0;
      for (let q = 0; q < 20; q++) {
        const query = unitVector(rand);
        const filter = (seq: number) => seq % 3 !== 0;
        const brute = [...vectors].filter(([seq]) => filter(seq)).map(([seq, v]) => ({ seq, score: v.reduce((s, x, d) => s + x * query[d]!, 0) })).sort((a, b) => b.score - a.score || a.seq - b.seq).slice(0, 10);
        const got = snapshot.nearest(query, 10, filter);
        // The exact scan gives exact cosines; the graph its f16 cosines (no row read), within 1e-3.
        const tolerance = graphAbove > 400 ? 1e-6 : 1e-3;
        for (const h of got) assert.ok(Math.abs(h.score - vectors.get(h.seq)!.reduce((s, x, d) => s + x * query[d]!, 0)) < tolerance);
        if (graphAbove > 400) assert.deepEqual(got.map((h) => h.seq), brute.map((h) => h.seq));
        const want = new Set(brute.map((h) => h.seq));
        recall += got.filter((h) => want.has(h.seq)).length / 10;
      }
      assert.ok(recall / 20 >= 0.9, `recall@10 ${recall / 20} with graphAbove ${graphAbove}`);
      // A filter passing 8 papers of 400: every one of them is found (wider candidates, then a scan).
      const rare = (seq: number) => seq % 50 === 0;
      const query = unitVector(rand);
      const expected = [...vectors].filter(([seq]) => rare(seq)).map(([seq, v]) => ({ seq, score: v.reduce((s, x, d) => s + x * query[d]!, 0) })).sort((a, b) => b.score - a.score || a.seq - b.seq);
      assert.deepEqual(snapshot.nearest(query, 20, rare).map((h) => h.seq), expected.map((h) => h.seq));
      // The int8 copy a service loads in the background (warmSteps): cosines within sqrt(dims)/254 of
      // the exact ones (at most 0.011 with these 8 dimensions; 3e-3 measured with bge's 384), the
      // scan's top 10 nearly the exact one.
      const probe = unitVector(rand);
      const exact = (seq: number) => vectors.get(seq)!.reduce((s, x, d) => s + x * probe[d]!, 0);
      // A budget smaller than the copy keeps it on disk (the cosine is then read, exact).
      for (const _ of (snapshot as FileSnapshot).warmSteps(0, 400 * 12 - 1)) {
        // nothing to load
      }
      assert.equal((snapshot as FileSnapshot).vectorSegments.some((v) => v.loaded), false);
      assert.ok(Math.abs(snapshot.vectorScore(probe, 7)! - exact(7)) < 1e-6);
      for (const _ of (snapshot as FileSnapshot).warmSteps(0, 400 * 12)) {
        // loaded step by step
      }
      for (const seq of [1, 7, 200, 400]) assert.ok(Math.abs(snapshot.vectorScore(probe, seq)! - exact(seq)) < Math.sqrt(8) / 254, `int8 cosine of seq ${seq}`);
      assert.equal(snapshot.vectorScore(probe, 100_000), null);
      const top = [...vectors.keys()].sort((a, b) => exact(b) - exact(a) || a - b).slice(0, 10);
      const found = snapshot.nearest(probe, 10).map((h) => h.seq);
      assert.ok(found.filter((seq) => top.includes(seq)).length >= 9, `int8 top 10 ${found} vs exact ${top}`);
      // A write replaces a vector and removes another.
      const replaced = unitVector(rand);
      snapshot.close();
      // The batch sets seq 7 twice: the last vector counts, and the generation opens.
      const next = await dir.write({ docs: [], removed: [], vectors: { set: [{ seq: 7, vector: unitVector(rand) }, { seq: 7, vector: replaced }], removed: [9] }, feedSeq: 1, vectorFeedSeq: 2 }, EXPECT);
      assert.deepEqual(next.vector(7), replaced);
      assert.equal(next.vector(9), null);
      assert.equal(next.vectorCount, 399);
      assert.deepEqual(next.nearest(replaced, 1).map((h) => h.seq), [7]);
      next.close();
    }
  });

  it('a build worker that dies fails the jobs in flight, waiting and later: a rebuild never hangs', { timeout: 60_000 }, async () => {
    const pool = new BuildPool(2, { fields: FIELDS, k1: 1.2 });
    try {
      const workers = (pool as unknown as { workers: Worker[] }).workers;
      assert.equal(workers.length, 2);
      const path = tempDir();
      const docs = randomPapers(random(3), 20).map((d) => ({ seq: d.seq, id: d.id, day: 1, categories: d.categories, texts: [d.title, d.abstract, d.authors.join(' ; ')] }));
      // Both threads busy, a third job waiting for one; then a thread dies.
      const jobs = [pool.build(path, 'seg-1', docs), pool.build(path, 'seg-2', docs), pool.build(path, 'seg-3', docs)].map((p) => p.then(() => 'built', (e: Error) => e.message));
      await workers[0]!.terminate();
      const outcomes = await Promise.all(jobs);
      for (const o of outcomes) assert.match(o, /^built$|index build worker exited/);
      await assert.rejects(pool.build(path, 'seg-4', docs), /index build worker exited/);
    } finally {
      await pool.close();
    }
  });

  it('a vector batch or rebuild repeating a seq keeps its last vector, and the generation opens', async () => {
    const rand = random(23);
    const papers = randomPapers(rand, 30);
    const [a, b, c, d] = [unitVector(rand), unitVector(rand), unitVector(rand), unitVector(rand)];
    const dir = directory(tempDir());
    // A rebuild's vector source repeating seq 2 (rows 2, 3, 2).
    const rebuilt = await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 1 }, { model: 'test-model', dims: 8, vectors: iterate([{ seq: 2, vector: a }, { seq: 3, vector: b }, { seq: 2, vector: c }]) });
    assert.deepEqual(rebuilt.vector(2), c);
    assert.equal(rebuilt.vectorCount, 2);
    rebuilt.close();
    assert.deepEqual((await opened(dir)).vector(2), c);
    // A write repeating seq 1: the last one wins, and the committed generation opens again.
    const written = await dir.write({ docs: [], removed: [], vectors: { set: [{ seq: 1, vector: a }, { seq: 5, vector: b }, { seq: 1, vector: d }], removed: [] }, feedSeq: 1, vectorFeedSeq: 2 }, EXPECT);
    written.close();
    const again = await opened(dir);
    assert.equal(again.vectorFeedSeq, 2);
    assert.deepEqual(again.vector(1), d);
    assert.deepEqual(again.vector(5), b);
    assert.deepEqual(again.vector(2), c);
    assert.equal(again.vectorCount, 4);
    again.close();
  });

  it('an index without vectors of the configured model opens at vector feed position 0', async () => {
    const dir = directory(tempDir());
    (await dir.rebuild(iterate(randomPapers(random(4), 10)), { feedSeq: 5, vectorFeedSeq: 5 })).close();
    const snapshot = await opened(dir);
    assert.equal(snapshot.feedSeq, 5);
    assert.equal(snapshot.vectorFeedSeq, 0);
    snapshot.close();
    const textOnly = await opened(dir, { ...EXPECT, model: null, dims: 0 });
    assert.equal(textOnly.vectorFeedSeq, 5);
    textOnly.close();
  });

  it('without a readable manifest, generations are numbered above every file found (no name is reused)', async () => {
    const path = tempDir();
    writeFileSync(join(path, 'signals-7.bin'), 'left over');
    writeFileSync(join(path, 'seg-2.del-9'), 'left over');
    const dir = directory(path);
    const snapshot = await dir.rebuild(iterate(randomPapers(random(4), 10)), { feedSeq: 1, vectorFeedSeq: 0 });
    assert.ok(snapshot.generation > 9, `generation ${snapshot.generation}`);
    snapshot.close();
  });

  it('signal-only writes leave text files alone', async () => {
    const dir = directory(tempDir());
    const papers = randomPapers(random(2), 50);
    (await dir.rebuild(iterate(papers), { feedSeq: 1, vectorFeedSeq: 0 })).close();
    const textFiles = readdirSync(dir.dir).filter((f) => f.startsWith('seg-'));
    const snapshot = await dir.write({ docs: [], removed: [], signals: [{ seq: 3, hfUpvotes: 9, githubStars: 2, localVotes: 1 }], feedSeq: 2, vectorFeedSeq: 0 }, EXPECT);
    assert.deepEqual(snapshot.signals(3), { hfUpvotes: 9, githubStars: 2, localVotes: 1 });
    assert.equal(snapshot.signals(4).hfUpvotes, papers[3]!.signals!.hfUpvotes);
    assert.deepEqual(readdirSync(dir.dir).filter((f) => f.startsWith('seg-')), textFiles);
    snapshot.close();
  });
});

describe('opening an index that cannot be trusted', () => {
  async function built(): Promise<{ dir: FileIndexDirectory; path: string }> {
    const path = tempDir();
    const dir = directory(path, { graphAbove: 10 });
    const rand = random(5);
    const papers = randomPapers(rand, 60);
    (await dir.rebuild(iterate(papers), { feedSeq: 5, vectorFeedSeq: 5 }, { model: 'test-model', dims: 8, vectors: iterate(papers.map((p) => ({ seq: p.seq, vector: unitVector(rand) }))) })).close();
    // A write adds deletes files and a second signals file.
    (await dir.write({ docs: randomPapers(rand, 5, 3), removed: [10], vectors: { set: [], removed: [11] }, signals: [{ seq: 1, hfUpvotes: 1, githubStars: 1, localVotes: 1 }], feedSeq: 6, vectorFeedSeq: 6 }, EXPECT)).close();
    return { dir, path };
  }

  it('says why it must be rebuilt when any file kind has a flipped byte, and never answers', async () => {
    const { path } = await built();
    const kinds = [/\.docs$/, /\.terms$/, /\.post$/, /^seg-\d+\.del-\d+$/, /^signals-/, /\.seqs$/, /\.f32$/, /\.hnsw$/, /^vec-\d+\.del-\d+$/];
    for (const kind of kinds) {
      const file = readdirSync(path).find((f) => kind.test(f));
      assert.ok(file, `a file matching ${kind}`);
      const copy = tempDir();
      for (const f of readdirSync(path)) if (f !== 'LOCK') writeFileSync(join(copy, f), readFileSync(join(path, f)));
      const bytes = readFileSync(join(copy, file));
      bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
      writeFileSync(join(copy, file), bytes);
      // Small files are always read in full; large ones when their mtime changed (fullCheckBytes 0: every file is "large").
      for (const fullCheckBytes of [8 << 20, 0]) {
        const result = await directory(copy, { fullCheckBytes }).open(EXPECT);
        assert.ok('rebuild' in result, `${file} corrupted but the index opened`);
        assert.match(result.rebuild, /corrupt/, file);
      }
    }
  });

  it('reports a missing file, another format version, another model and a feed beyond the store', async () => {
    const { dir, path } = await built();
    const manifest = JSON.parse(readFileSync(join(path, 'MANIFEST'), 'utf8')) as Record<string, unknown>;
    assert.match(((await dir.open({ ...EXPECT, model: 'other-model' })) as { rebuild: string }).rebuild, /other-model/);
    assert.match(((await dir.open({ ...EXPECT, storeLastChangeSeq: 3 })) as { rebuild: string }).rebuild, /beyond the store/);
    writeFileSync(join(path, 'MANIFEST'), JSON.stringify({ ...manifest, format: 99 }));
    assert.match(((await dir.open(EXPECT)) as { rebuild: string }).rebuild, /format version 99/);
    writeFileSync(join(path, 'MANIFEST'), '{"format": 1, "gener');
    assert.match(((await dir.open(EXPECT)) as { rebuild: string }).rebuild, /not valid JSON/);
    writeFileSync(join(path, 'MANIFEST'), JSON.stringify(manifest));
    const post = readdirSync(path).find((f) => f.endsWith('.post'))!;
    writeFileSync(join(path, post), '');
    assert.match(((await dir.open(EXPECT)) as { rebuild: string }).rebuild, new RegExp(post.replace('.', '\\.')));
    assert.match(((await directory(tempDir()).open(EXPECT)) as { rebuild: string }).rebuild, /no index/);
  });

  it('asks for a rebuild when the index was built from another database, whatever its feed position', async () => {
    const path = tempDir();
    const dir = directory(path);
    const papers = randomPapers(random(9), 20);
    (await dir.rebuild(iterate(papers), { feedSeq: 5, vectorFeedSeq: 0, storeId: 'store-a' })).close();
    (await opened(dir, { ...EXPECT, storeId: 'store-a' })).close();
    const other = await dir.open({ ...EXPECT, storeId: 'store-b', storeLastChangeSeq: 1_000 });
    assert.match((other as { rebuild: string }).rebuild, /another database \(store store-a, this one is store-b\)/);
    // A write keeps the identity it was built with.
    (await dir.write({ docs: randomPapers(random(10), 2, 30), removed: [], signals: [], feedSeq: 6, vectorFeedSeq: 0 }, { ...EXPECT, storeId: 'store-a' })).close();
    assert.equal((JSON.parse(readFileSync(join(path, 'MANIFEST'), 'utf8')) as { storeId: string }).storeId, 'store-a');
    assert.ok('rebuild' in (await dir.open({ ...EXPECT, storeId: 'store-b' })));
  });

  it('lets one writer at a time in, and takes over the lock of a dead process', async () => {
    const path = tempDir();
    const dir = directory(path);
    const held = WriterLock.acquire(path);
    await assert.rejects(dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT), IndexLockedError);
    held.release();
    // A live process's lock is never taken over, however old; nor is an unreadable one younger than a minute.
    writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: process.ppid, start: null, host: hostname(), token: 'parent' }));
    utimesSync(join(path, 'LOCK'), new Date('2020-01-01'), new Date('2020-01-01'));
    await assert.rejects(dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT), IndexLockedError);
    writeFileSync(join(path, 'LOCK'), '');
    await assert.rejects(dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT), IndexLockedError);
    // A dead process's lock is taken over.
    writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345, start: null, host: hostname(), token: 'dead' }));
    (await dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT)).close();
    assert.ok(!readdirSync(path).includes('LOCK'));
  });

  it('releases the locks this process holds when the serve worker that wrote the index exited, and only those', async () => {
    const path = tempDir();
    const dir = directory(path);
    // Worker 0's writer died with it: LOCK names this (living) process, and a write is refused.
    const orphan = WriterLock.acquire(path);
    await assert.rejects(dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT), IndexLockedError);
    writeFileSync(join(path, `LOCK.${process.pid}.0123456789abcdef`), JSON.stringify({ pid: process.pid, start: null, host: hostname(), token: '0123456789abcdef' }));
    assert.equal(releaseLocksOfThisProcess(path), true);
    assert.deepEqual(readdirSync(path).filter((f) => f.startsWith('LOCK')), []);
    assert.equal(orphan.held(), false);
    (await dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT)).close();
    // Another process's lock stays.
    writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: process.ppid, start: null, host: hostname(), token: 'parent' }));
    assert.equal(releaseLocksOfThisProcess(path), false);
    assert.ok(readdirSync(path).includes('LOCK'));
  });

  it('removes the temporary lock files of contenders killed while taking the lock, and only theirs', () => {
    const path = tempDir();
    const dead = 2 ** 22 + 12345;
    const deadTemp = `LOCK.${dead}.0123456789abcdef`;
    writeFileSync(join(path, deadTemp), JSON.stringify({ pid: dead, start: null, host: hostname(), token: '0123456789abcdef' }));
    const partial = `LOCK.${dead}.fedcba9876543210`;
    writeFileSync(join(path, partial), '{"pid":');
    const liveTemp = `LOCK.${process.ppid}.00112233445566aa`;
    writeFileSync(join(path, liveTemp), JSON.stringify({ pid: process.ppid, start: processStart(process.ppid), host: hostname(), token: '00112233445566aa' }));
    const farTemp = 'LOCK.1.aabbccddeeff0011';
    writeFileSync(join(path, farTemp), JSON.stringify({ pid: 1, start: '1', host: `not-${hostname()}`, token: 'aabbccddeeff0011' }));
    WriterLock.acquire(path).release();
    assert.deepEqual(readdirSync(path).sort(), [farTemp, liveTemp].sort());
    const old = new Date(Date.now() - STALE_LOCK_MS - 60_000);
    utimesSync(join(path, farTemp), old, old);
    WriterLock.acquire(path).release();
    assert.deepEqual(readdirSync(path), [liveTemp]);
  });

  it('never takes over the lock of a live writer: an empty LOCK, an old one, one whose pid is alive', () => {
    const path = tempDir();
    const lock = join(path, 'LOCK');
    // An empty LOCK (an older writer between creating and writing it): held until 10 minutes old.
    writeFileSync(lock, '');
    assert.throws(() => WriterLock.acquire(path), IndexLockedError);
    const old = new Date(Date.now() - STALE_LOCK_MS - 60_000);
    utimesSync(lock, old, old);
    WriterLock.acquire(path).release();
    // A live holder on this host whose lock was not refreshed for 11 minutes (a long merge): still held.
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: processStart(process.ppid), host: hostname(), token: 'parent', time: old.toISOString() }));
    utimesSync(lock, old, old);
    assert.throws(() => WriterLock.acquire(path), IndexLockedError);
    // The same pid with another start time is another process: the holder is dead.
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: '1', host: hostname(), token: 'reused', time: old.toISOString() }));
    WriterLock.acquire(path).release();
    // A holder on another host is judged by age only.
    writeFileSync(lock, JSON.stringify({ pid: 1, start: '1', host: `not-${hostname()}`, token: 'far' }));
    assert.throws(() => WriterLock.acquire(path), IndexLockedError);
    utimesSync(lock, old, old);
    const taken = WriterLock.acquire(path);
    assert.equal(taken.held(), true);
    taken.release();
    assert.ok(!readdirSync(path).includes('LOCK'));
  });

  it('a dead holder\'s lock is taken over by exactly one of two contenders; the loser cannot commit', async () => {
    const path = tempDir();
    writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345, start: '1', host: hostname(), token: 'dead' }));
    let second = null as WriterLock | Error | null;
    // Both judge the lock stale; the second takes it over while the first is between judging and taking.
    const first = (() => {
      try {
        return WriterLock.acquire(path, Date.now, () => {
          if (second) return;
          try {
            second = WriterLock.acquire(path);
          } catch (error) {
            second = error as Error;
          }
        });
      } catch (error) {
        return error as Error;
      }
    })();
    assert.ok(second instanceof WriterLock, `the second contender got ${String(second)}`);
    assert.ok(first instanceof IndexLockedError, `the first contender got ${String(first)}`);
    assert.equal((second as WriterLock).held(), true);
    (second as WriterLock).release();
    // Fencing: a writer whose lock was taken over abandons its commit.
    // The clock is first read while writing (LOCK was free, so acquiring did not read it): there, another process takes LOCK.
    let calls = 0;
    let armed = false;
    const now = () => {
      if (armed && ++calls === 1) writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: process.pid, start: processStart(process.pid), host: hostname(), token: 'thief' }));
      return Date.now();
    };
    const dir = new FileIndexDirectory({ dir: path, fields: FIELDS, k1: 1.2, buildThreads: 1, now });
    (await dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT)).close();
    const generation = dir.currentGeneration();
    armed = true;
    await assert.rejects(dir.write({ docs: randomPapers(random(2), 3), removed: [], feedSeq: 2, vectorFeedSeq: 0 }, EXPECT), /taken over/);
    assert.equal(calls >= 1, true);
    assert.equal(dir.currentGeneration(), generation);
  });
});
