import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { IndexLockedError, WriterLock } from '../src/adapters/index-files/writer-lock.ts';
import { LexicalIndex } from '../src/core/search/lexical-index.ts';
import type { IndexDoc, OpenExpectation, Snapshot } from '../src/ports/search-index.ts';
import { tempDir } from './helpers.ts';
import { FIELDS, random, randomQuery, VOCAB } from './unit/segment-helpers.ts';

const split = (text: string, emit: (term: string) => void) => text.split(/[\s;]+/).filter(Boolean).forEach((w) => emit(w));
const EXPECT: OpenExpectation = { model: 'test-model', dims: 8, storeLastChangeSeq: 1_000_000 };

function directory(dir: string, options: { maxSegments?: number; graphAbove?: number; segmentDocs?: number; analyze?: boolean; buildThreads?: number } = {}) {
  return new FileIndexDirectory({
    dir,
    fields: FIELDS,
    k1: 1.2,
    ...(options.analyze === false ? {} : { analyze: split }),
    buildThreads: options.buildThreads ?? 1,
    ...(options.maxSegments ? { maxSegments: options.maxSegments } : {}),
    ...(options.graphAbove !== undefined ? { graphAbove: options.graphAbove } : {}),
    ...(options.segmentDocs ? { segmentDocs: options.segmentDocs } : {}),
  });
}

function randomPapers(rand: () => number, count: number, firstSeq = 1): IndexDoc[] {
  const word = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(1 / (rand() + 0.02)) - 1)]!;
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i,
    id: `2401.${String(firstSeq + i).padStart(5, '0')}`,
    title: text(2 + Math.floor(rand() * 6)),
    abstract: text(5 + Math.floor(rand() * 30)),
    authors: [word()],
    categories: rand() < 0.5 ? ['cs.LG'] : ['math.CO'],
    date: `2024-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
    signals: { hfUpvotes: Math.floor(rand() * 5), githubStars: 0, localVotes: 0 },
  }));
}

function lexicalOf(docs: Iterable<IndexDoc>): LexicalIndex {
  const index = new LexicalIndex({ fields: FIELDS, k1: 1.2, analyze: split });
  for (const d of docs) index.add(d.seq, { title: d.title, abstract: d.abstract, authors: d.authors.join(' ; ') });
  return index;
}

async function* iterate<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items;
}

function unitVector(rand: () => number, dims = 8): Float32Array {
  const v = Float32Array.from({ length: dims }, () => rand() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

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
    snapshot.close();
  });

  it('builds on two worker threads and merges to the policy; results match one in-memory index', async () => {
    const rand = random(8);
    const papers = randomPapers(rand, 1200);
    const dir = directory(tempDir(), { analyze: false, buildThreads: 2, segmentDocs: 100 });
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
  });

  it('writes replace, delete and add documents; merging everything equals a rebuild', async () => {
    const rand = random(4);
    const base = directory(tempDir());
    const merged = directory(tempDir(), { maxSegments: 1 });
    const live = new Map<number, IndexDoc>();
    let feed = 0;
    for (let round = 0; round < 6; round++) {
      const added = randomPapers(rand, 40, 1 + round * 30); // overlaps the previous round: replacements
      const removed = [...live.keys()].filter(() => rand() < 0.1);
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

  it('stores vectors: exact rows, nearest equal to a brute-force scan, graph candidates re-scored exactly', async () => {
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
        // Every hit carries its exact cosine; the exact scan finds the exact top 10, the graph nearly.
        for (const h of got) assert.ok(Math.abs(h.score - vectors.get(h.seq)!.reduce((s, x, d) => s + x * query[d]!, 0)) < 1e-6);
        if (graphAbove > 400) assert.deepEqual(got.map((h) => h.seq), brute.map((h) => h.seq));
        const want = new Set(brute.map((h) => h.seq));
        recall += got.filter((h) => want.has(h.seq)).length / 10;
      }
      assert.ok(recall / 20 >= 0.9, `recall@10 ${recall / 20} with graphAbove ${graphAbove}`);
      // A write replaces a vector and removes another.
      const replaced = unitVector(rand);
      snapshot.close();
      const next = await dir.write({ docs: [], removed: [], vectors: { set: [{ seq: 7, vector: replaced }], removed: [9] }, feedSeq: 1, vectorFeedSeq: 2 }, EXPECT);
      assert.deepEqual(next.vector(7), replaced);
      assert.equal(next.vector(9), null);
      assert.equal(next.vectorCount, 399);
      assert.deepEqual(next.nearest(replaced, 1).map((h) => h.seq), [7]);
      next.close();
    }
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
      const result = await directory(copy).open(EXPECT);
      assert.ok('rebuild' in result, `${file} corrupted but the index opened`);
      assert.match(result.rebuild, /corrupt/, file);
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

  it('lets one writer at a time in, and takes over the lock of a dead process', async () => {
    const path = tempDir();
    const dir = directory(path);
    const held = WriterLock.acquire(path);
    await assert.rejects(dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT), IndexLockedError);
    held.release();
    writeFileSync(join(path, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345, time: '2020-01-01T00:00:00Z' }));
    (await dir.write({ docs: randomPapers(random(1), 3), removed: [], feedSeq: 1, vectorFeedSeq: 0 }, EXPECT)).close();
    assert.ok(!readdirSync(path).includes('LOCK'));
  });
});
