import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScoringScratch } from '../../src/core/search/segment/scorer.ts';
import { searchParts } from '../../src/core/search/segment/multi-search.ts';
import { mergeSegments } from '../../src/core/search/segment/segment-merge.ts';
import { SegmentReader, SegmentScratch } from '../../src/core/search/segment/segment-reader.ts';
import { concat, FIELDS, lexicalOf, memorySegment, random, randomDocs, randomQuery, readFrom, SCHEMA } from './segment-helpers.ts';

const same = (a: { docId: number; score: number }[], b: { docId: number; score: number }[], label: string) => {
  assert.deepEqual(a.map((h) => h.docId), b.map((h) => h.docId), label);
  a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i]!.score) < 1e-5, `${label}: ${h.score} vs ${b[i]!.score}`));
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
    // Three segments of interleaved seqs, and the rest in an in-memory delta.
    const parts = [
      memorySegment(docs.filter((d) => d.seq % 4 === 0), scratch).reader,
      memorySegment(docs.filter((d) => d.seq % 4 === 1), scratch).reader,
      memorySegment(docs.filter((d) => d.seq % 4 === 2), scratch).reader,
      lexicalOf(docs.filter((d) => d.seq % 4 === 3)),
    ];
    let overlap = 0;
    let total = 0;
    for (let q = 0; q < 200; q++) {
      const query = randomQuery(rand);
      const expected = lexical.search(query, { limit: 10 });
      const got = searchParts(parts, FIELDS.length, query, { limit: 10 });
      // idf, N and fielded clauses are global; a segment's cached sat uses its own average lengths,
      // so scores agree closely, not to the last bit.
      assert.equal(got.length, expected.length);
      got.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 0.05 * expected[i]!.score + 1e-6, `${JSON.stringify(query)} #${i}`));
      const want = new Set(expected.map((h) => h.docId));
      overlap += got.filter((h) => want.has(h.docId)).length;
      total += expected.length;
    }
    // Near-ties abound in a 60-word vocabulary; the top 10s still hold nearly the same documents.
    assert.ok(overlap >= 0.85 * total, `${overlap}/${total} of the top 10s in common`);
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
