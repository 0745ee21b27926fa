/** Shared helpers of the segment tests: random corpora and queries, in-memory segments. */
import { LexicalIndex } from '../../src/core/search/lexical-index.ts';
import type { FieldSpec, TermClause } from '../../src/core/search/lexical-types.ts';
import { buildSegment, type BaseStats, type SegmentDoc, type SegmentSchema } from '../../src/core/search/segment/segment-builder.ts';
import { SegmentReader } from '../../src/core/search/segment/segment-reader.ts';
import { SegmentScratch } from '../../src/core/search/segment/segment-scratch.ts';
import { ScoringScratch } from '../../src/core/search/segment/scorer.ts';

export const FIELDS: readonly FieldSpec[] = [
  { name: 'title', weight: 1.5, b: 0.6 },
  { name: 'abstract', weight: 1, b: 0.8 },
  { name: 'authors', weight: 1, b: 0.3 },
];
const split = (text: string, emit: (term: string) => void) => text.split(/\s+/).filter(Boolean).forEach((w) => emit(w));
export const SCHEMA: SegmentSchema = { fields: FIELDS, k1: 1.2, analyze: split };

export function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

export const VOCAB = Array.from({ length: 60 }, (_, i) => `w${i}`);

export function randomDocs(rand: () => number, count: number, firstSeq = 1, seqStep = 1): SegmentDoc[] {
  const word = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(1 / (rand() + 0.02)) - 1)]!;
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i * seqStep,
    id: `p${firstSeq + i * seqStep}`,
    day: Math.floor(rand() * 400),
    categories: rand() < 0.5 ? ['cs.LG'] : ['math.CO', 'cs.DS'],
    texts: [text(2 + Math.floor(rand() * 6)), text(5 + Math.floor(rand() * 30)), text(1 + Math.floor(rand() * 3))],
  }));
}

export function randomQuery(rand: () => number): { should: TermClause[]; must?: TermClause[][]; mustNot?: TermClause[] } {
  const word = () => VOCAB[Math.floor(rand() * 25)]!;
  const clause = (): TermClause => (rand() < 0.25 ? { term: word(), fields: [FIELDS[Math.floor(rand() * 3)]!.name] } : { term: word() });
  const should = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => (rand() < 0.8 ? { term: word() } : clause()));
  const query: { should: TermClause[]; must?: TermClause[][]; mustNot?: TermClause[] } = { should };
  if (rand() < 0.3) query.must = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => Array.from({ length: 1 + Math.floor(rand() * 2) }, clause));
  if (rand() < 0.3) query.mustNot = [clause()];
  return query;
}

export function lexicalOf(docs: readonly SegmentDoc[]): LexicalIndex {
  const index = new LexicalIndex({ fields: FIELDS, k1: 1.2, analyze: split });
  for (const d of docs) index.add(d.seq, { title: d.texts[0], abstract: d.texts[1], authors: d.texts[2] });
  return index;
}

/** A segment built and opened in memory (positional reads from a byte array). */
export function memorySegment(docs: readonly SegmentDoc[], scratch = new SegmentScratch(new ScoringScratch()), name = 'seg-test', base?: BaseStats): { reader: SegmentReader; postings: Uint8Array; built: ReturnType<typeof buildSegment> } {
  const chunks: Uint8Array[] = [];
  const built = buildSegment(docs, SCHEMA, (chunk) => chunks.push(chunk.slice()), base);
  const postings = concat(chunks);
  const reader = new SegmentReader(name, built.docTable, built.terms, readFrom(postings), FIELDS, 1.2, scratch, null);
  return { reader, postings, built };
}

export function readFrom(bytes: Uint8Array) {
  return (position: number, length: number, into: Uint8Array) => {
    if (position + length > bytes.length) throw new Error('read past the end');
    into.set(bytes.subarray(position, position + length));
    return into.subarray(0, length);
  };
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Documents and field-length sums of `docs` (the split analyser counts words): a segment's base stats. */
export function statsOf(docs: readonly SegmentDoc[]): BaseStats {
  const lengthSums = FIELDS.map((_, f) => docs.reduce((n, d) => n + (d.texts[f] ?? '').split(/\s+/).filter(Boolean).length, 0));
  return { docs: docs.length, lengthSums };
}
