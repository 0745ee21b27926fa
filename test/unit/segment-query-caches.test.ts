import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchParts } from '../../src/core/search/segment/multi-search.ts';
import { PostingsCache } from '../../src/core/search/segment/postings-cache.ts';
import { ScoringScratch } from '../../src/core/search/segment/scorer.ts';
import { SegmentReader } from '../../src/core/search/segment/segment-reader.ts';
import { SegmentScratch } from '../../src/core/search/segment/segment-scratch.ts';
import { buildSegment } from '../../src/core/search/segment/segment-builder.ts';
import { concat, FIELDS, lexicalOf, memorySegment, random, randomDocs, randomQuery, readFrom, SCHEMA, statsOf } from './segment-helpers.ts';
import type { SegmentDoc } from '../../src/core/search/segment/segment-builder.ts';

/** A segment in memory whose positional reads are counted. */
function countedSegment(docs: readonly SegmentDoc[], scratch: SegmentScratch, name: string, base?: Parameters<typeof buildSegment>[3]) {
  const chunks: Uint8Array[] = [];
  const built = buildSegment(docs, SCHEMA, (chunk) => chunks.push(chunk.slice()), base);
  const read = readFrom(concat(chunks));
  const counter = { reads: 0, bytes: 0 };
  const reader = new SegmentReader(name, built.docTable, built.terms, (position, length, into) => {
    counter.reads++;
    counter.bytes += length;
    return read(position, length, into);
  }, FIELDS, 1.2, scratch, null);
  return { reader, counter };
}

const plainQuery = (rand: () => number) => ({ should: randomQuery(rand).should.map((c) => ({ term: c.term })) });

describe('segment search: floor, postings cache, recomputed contributions', () => {
  it('a floor from earlier parts keeps every hit at or above it, with its exact score, and stops early', () => {
    const rand = random(41);
    const docs = randomDocs(rand, 400);
    const { reader } = memorySegment(docs);
    let skipped = 0;
    for (let q = 0; q < 200; q++) {
      const query = plainQuery(rand);
      const full = reader.search(query, { limit: 20 });
      if (full.length < 5) continue;
      const floor = full[4]!.score;
      const above = (hits: typeof full) => hits.filter((h) => h.score >= floor).map((h) => `${h.docId}:${h.score}`);
      const withFloor = reader.search(query, { limit: 20, floor });
      assert.deepEqual(above(withFloor), above(full), JSON.stringify(query));
      if (withFloor.length < full.length) skipped++;
    }
    // A floor above anything the query can score: no document is worth reading postings for.
    assert.deepEqual(reader.search({ should: [{ term: 'w1' }, { term: 'w2' }] }, { limit: 10, floor: Infinity }), []);
    assert.ok(skipped > 0, 'the floor never let MaxScore stop sooner');
  });

  it('searching the largest part first and passing the floor gives the same top k as one index', () => {
    const rand = random(42);
    const docs = randomDocs(rand, 900);
    const lexical = lexicalOf(docs);
    const scratch = new SegmentScratch(new ScoringScratch());
    const big = docs.filter((d) => d.seq % 5 !== 0);
    const small = docs.filter((d) => d.seq % 5 === 0);
    // Listed small first: searchParts orders them by size.
    const parts = [memorySegment(small, scratch, 'small', statsOf(big)).reader, memorySegment(big, scratch, 'big', statsOf(small)).reader];
    for (let q = 0; q < 150; q++) {
      const query = plainQuery(rand);
      const got = searchParts(parts, FIELDS.length, query, { limit: 10 });
      const expected = lexical.search(query, { limit: 10 });
      assert.equal(got.length, expected.length);
      got.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 1e-5, `${JSON.stringify(query)} #${i}`));
    }
  });

  it('keeps frequent terms\' postings between searches: the same results without reading them again', () => {
    const rand = random(43);
    const docs = randomDocs(rand, 500);
    const cache = new PostingsCache(1 << 20, 0);
    const cached = countedSegment(docs, new SegmentScratch(new ScoringScratch(), cache), 'seg-c');
    const plain = countedSegment(docs, new SegmentScratch(new ScoringScratch()), 'seg-p');
    const queries = Array.from({ length: 50 }, () => randomQuery(rand));
    for (const query of queries) assert.deepEqual(cached.reader.search(query, { limit: 10 }), plain.reader.search(query, { limit: 10 }));
    const firstPass = cached.counter.reads;
    assert.ok(firstPass > 0 && cache.bytes > 0);
    const plainBefore = plain.counter.reads;
    for (const query of queries) assert.deepEqual(cached.reader.search(query, { limit: 10 }), plain.reader.search(query, { limit: 10 }));
    // Fielded clauses still read term frequencies; unfielded postings come from the cache.
    const onlyTfs = queries.every((q) => q.should.every((c) => !c.fields) && !q.must && !q.mustNot);
    if (onlyTfs) assert.equal(cached.counter.reads, firstPass);
    assert.ok(cached.counter.reads - firstPass < (plain.counter.reads - plainBefore) / 2, `${cached.counter.reads - firstPass} reads the second time, against ${plain.counter.reads - plainBefore} without the cache`);
    assert.ok(cache.hits > 0);
    // Matched terms of hits (contains) read from the cache too, and agree.
    for (const d of docs.slice(0, 40)) for (const term of ['w0', 'w1', 'w5']) assert.equal(cached.reader.contains(d.seq, { term }), plain.reader.contains(d.seq, { term }));
  });

  it('the postings cache stays within its budget, dropping the least recently used list first', () => {
    const cache = new PostingsCache(100, 0);
    assert.equal(cache.wants(13), false, 'a list over an eighth of the budget is never kept');
    cache.set('s', 1, new Uint8Array(12));
    cache.set('s', 2, new Uint8Array(12));
    for (let t = 3; t <= 8; t++) cache.set('s', t, new Uint8Array(12));
    assert.ok(cache.bytes <= 100);
    assert.notEqual(cache.get('s', 3), null);
    cache.set('s', 9, new Uint8Array(12));
    assert.equal(cache.get('s', 1), null, 'the oldest list left first');
    assert.notEqual(cache.get('s', 3), null, 'a list used recently stayed');
    assert.ok(cache.bytes <= 100);
    assert.equal(new PostingsCache(1 << 20).wants(100), false, 'lists under minBytes are read each time');
  });

  it('a segment searched with other averages recomputes each term once while the averages stay, and scores exactly', () => {
    const rand = random(44);
    const short = randomDocs(rand, 300);
    const long = randomDocs(rand, 4, 1000).map((d) => ({ ...d, texts: [d.texts[0]!, `${d.texts[1]} ${d.texts[1]} ${d.texts[1]} ${d.texts[1]} ${d.texts[1]}`, d.texts[2]!] }));
    const lexical = lexicalOf([...short, ...long]);
    const scratch = new SegmentScratch(new ScoringScratch(), null, 1 << 20);
    // Built with the short papers' averages only: with the long ones, the averages drift well over 0.5%.
    const drifting = countedSegment(short, scratch, 'drifting');
    const parts = [drifting.reader, memorySegment(long, scratch, 'long').reader];
    const queries = Array.from({ length: 40 }, () => plainQuery(rand));
    const run = () => queries.map((query) => searchParts(parts, FIELDS.length, query, { limit: 10 }));
    const first = run();
    queries.forEach((query, i) => {
      const expected = lexical.search(query, { limit: 10 });
      first[i]!.forEach((h, r) => assert.ok(Math.abs(h.score - expected[r]!.score) < 1e-5, `${JSON.stringify(query)} #${r}`));
    });
    assert.ok(scratch.cachedBytes > 0, 'nothing recomputed: the segment did not drift');
    const bytesBefore = drifting.counter.bytes;
    assert.deepEqual(run(), first);
    // The second pass reads doc numbers and stored contributions only: no term frequencies to recompute from.
    const docsAndSat = queries.reduce((n, q) => n + q.should.reduce((m, c) => m + 8 * drifting.reader.docFreq(c.term), 0), 0);
    assert.ok(drifting.counter.bytes - bytesBefore <= docsAndSat, 'term frequencies were read again');
  });
});
