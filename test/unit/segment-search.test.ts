import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScoringScratch } from '../../src/core/search/segment/scorer.ts';
import type { LexicalPart } from '../../src/ports/search-index.ts';
import { searchParts } from '../../src/core/search/segment/multi-search.ts';
import { mergeSegments } from '../../src/core/search/segment/segment-merge.ts';
import { SegmentReader } from '../../src/core/search/segment/segment-reader.ts';
import { SegmentScratch } from '../../src/core/search/segment/segment-scratch.ts';
import { concat, FIELDS, lexicalOf, memorySegment, random, randomDocs, randomQuery, readFrom, SCHEMA, statsOf } from './segment-helpers.ts';

const same = (a: { docId: number; score: number }[], b: { docId: number; score: number }[], label: string) => {
  assert.deepEqual(a.map((h) => h.docId), b.map((h) => h.docId), label);
  a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i]!.score) < 1e-5, `${label}: ${h.score} vs ${b[i]!.score}`));
};

/** Same scores rank by rank; the same documents, up to the order of near-ties (float32 summation order differs by part). */
const sameUpToTies = (a: { docId: number; score: number }[], b: { docId: number; score: number }[], label: string) => {
  assert.equal(a.length, b.length, label);
  a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i]!.score) < 1e-5, `${label} #${i}: ${h.score} vs ${b[i]!.score}`));
  const last = b[b.length - 1]?.score ?? 0;
  const firm = (hits: typeof a) => hits.filter((h) => h.score > last + 1e-5).map((h) => h.docId).sort((x, y) => x - y);
  assert.deepEqual(firm(a), firm(b), label);
};

describe('segment search', () => {
  it('equals LexicalIndex search on the same documents (random documents and queries, filters)', () => {
    const rand = random(11);
    for (let round = 0; round < 4; round++) {
      const docs = randomDocs(rand, 150 + round * 100, 1 + round, 3);
      const lexical = lexicalOf(docs);
      const { reader } = memorySegment(docs);
      for (let q = 0; q < 150; q++) {
        const query = randomQuery(rand);
        const filter = q % 4 === 0 ? (seq: number) => seq % 5 !== 0 : undefined;
        const limit = 1 + Math.floor(rand() * 20);
        const expected = lexical.search(query, { limit, filter });
        same(reader.search(query, { limit, filter }), expected, JSON.stringify(query));
      }
      for (const d of docs.slice(0, 30)) {
        for (const clause of [{ term: 'w1' }, { term: 'w3', fields: ['title'] }, { term: 'w2', fields: ['authors', 'abstract'] }]) {
          assert.equal(reader.contains(d.seq, clause), lexical.contains(d.seq, clause), `${d.seq} ${JSON.stringify(clause)}`);
        }
      }
      assert.equal(reader.contains(999_999, { term: 'w1' }), false);
    }
  });

  it('over several segments with global stats equals one LexicalIndex of every document', () => {
    const rand = random(5);
    const docs = randomDocs(rand, 600);
    const lexical = lexicalOf(docs);
    const scratch = new SegmentScratch(new ScoringScratch());
    // Three segments of interleaved seqs, each written with the averages of everything else, and
    // the rest in an in-memory delta: exactly one index of every document.
    const groups = [0, 1, 2, 3].map((r) => docs.filter((d) => d.seq % 4 === r));
    const others = (r: number) => statsOf(docs.filter((d) => d.seq % 4 !== r));
    const parts = [
      memorySegment(groups[0]!, scratch, 'a', others(0)).reader,
      memorySegment(groups[1]!, scratch, 'b', others(1)).reader,
      memorySegment(groups[2]!, scratch, 'c', others(2)).reader,
      lexicalOf(groups[3]!),
    ];
    // The in-memory index (the delta) and a segment are both parts of the port's segmented search.
    const asParts: LexicalPart[] = parts;
    for (let q = 0; q < 200; q++) {
      const query = randomQuery(rand);
      const filter = q % 5 === 0 ? (seq: number) => seq % 3 !== 0 : undefined;
      sameUpToTies(searchParts(asParts, FIELDS.length, query, { limit: 10, filter }), lexical.search(query, { limit: 10, filter }), JSON.stringify(query));
    }
  });

  it('scores a segment written with other averages as if written with the current ones (drift recompute)', () => {
    const rand = random(6);
    const short = randomDocs(rand, 200);
    const long = randomDocs(rand, 3, 1000).map((d) => ({ ...d, texts: [d.texts[0]!, `${d.texts[1]} ${d.texts[1]} ${d.texts[1]} ${d.texts[1]}`, d.texts[2]!] }));
    const lexical = lexicalOf([...short, ...long]);
    const scratch = new SegmentScratch(new ScoringScratch());
    // The small segment of long papers is built with its own averages only (as a parallel rebuild does).
    const parts = [memorySegment(short, scratch, 'short', statsOf(long)).reader, memorySegment(long, scratch, 'long').reader];
    for (let q = 0; q < 100; q++) {
      const query = randomQuery(rand);
      sameUpToTies(searchParts(parts, FIELDS.length, query, { limit: 10 }), lexical.search(query, { limit: 10 }), JSON.stringify(query));
    }
  });

  it('add then delete equals never added (after the merge that drops deletes)', () => {
    const rand = random(21);
    const docs = randomDocs(rand, 200);
    const extra = randomDocs(rand, 50, 1000);
    const { reader: full } = memorySegment([...docs, ...extra]);
    // Delete the extra documents through a deletes bitmap, then merge them away.
    const deletes = new Uint8Array((full.docTable.count + 7) >> 3);
    for (const d of extra) {
      const doc = full.docTable.docOf(d.seq);
      deletes[doc >> 3]! |= 1 << (doc & 7);
    }
    const { postings } = memorySegment([...docs, ...extra]);
    const built = memorySegment([...docs, ...extra]).built;
    const withDeletes = new SegmentReader('seg-d', built.docTable, built.terms, readFrom(postings), FIELDS, 1.2, new SegmentScratch(new ScoringScratch()), deletes);
    const chunks: Uint8Array[] = [];
    const merged = mergeSegments([withDeletes], SCHEMA, (c) => chunks.push(c.slice()));
    const mergedReader = new SegmentReader('seg-m', merged.docTable, merged.terms, readFrom(concat(chunks)), FIELDS, 1.2, new SegmentScratch(new ScoringScratch()), null);
    const { reader: never } = memorySegment(docs);
    for (let q = 0; q < 100; q++) {
      const query = randomQuery(rand);
      const expected = never.search(query, { limit: 15 });
      same(mergedReader.search(query, { limit: 15 }), expected, JSON.stringify(query));
      // Before the merge: the same documents (scores still count the deleted ones in df and N).
      assert.deepEqual(new Set(withDeletes.search(query, { limit: 1000 }).map((h) => h.docId)), new Set(never.search(query, { limit: 1000 }).map((h) => h.docId)));
    }
  });

  it('a merge of segments equals a segment built from their documents', () => {
    const rand = random(33);
    const docs = randomDocs(rand, 400);
    const a = memorySegment(docs.filter((d) => d.seq % 3 === 0)).reader;
    const b = memorySegment(docs.filter((d) => d.seq % 3 !== 0)).reader;
    const chunks: Uint8Array[] = [];
    const merged = mergeSegments([a, b], SCHEMA, (c) => chunks.push(c.slice()));
    const built = memorySegment(docs);
    assert.deepEqual(merged.docTable, built.built.docTable);
    assert.deepEqual(merged.terms, built.built.terms);
    assert.deepEqual(concat(chunks), built.postings);
  });
});
