import { eachTerm } from '../analyzer.ts';
import type { FieldSpec } from '../lexical-types.ts';
import { Postings } from '../postings.ts';
import { encodeDocTable, type DocRow } from './doc-table.ts';
import { TermDictionaryWriter } from './term-dictionary.ts';

/** How a segment's documents are analysed and scored (the index's fields, k1 and analyser). */
export interface SegmentSchema {
  fields: readonly FieldSpec[];
  k1: number;
  analyze?: (text: string, emit: (term: string) => void) => void;
}

/** A document for the builder: texts in field order. */
export interface SegmentDoc {
  seq: number;
  id: string;
  /** Days since 1970-01-01, -1 unknown. */
  day: number;
  categories: readonly string[];
  texts: readonly string[];
}

/** The files of a built segment, besides the postings the builder streamed to its sink. */
export interface BuiltSegment {
  docs: number;
  docTable: Uint8Array;
  terms: Uint8Array;
  postingsBytes: number;
}

/** Buffers postings bytes and hands them to the sink in large chunks; tracks the write position. */
export class PostingsSink {
  private buffer = new Uint8Array(1 << 20);
  private used = 0;
  position = 0;
  constructor(private readonly sink: (chunk: Uint8Array) => void) {}
  write(bytes: Uint8Array): void {
    if (bytes.byteLength > this.buffer.length - this.used) this.flush();
    if (bytes.byteLength > this.buffer.length) this.sink(bytes);
    else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.byteLength;
    }
    this.position += bytes.byteLength;
  }
  flush(): void {
    if (this.used === 0) return;
    this.sink(this.buffer.slice(0, this.used));
    this.used = 0;
  }
}

/**
 * Builds a segment from documents (any order, distinct seqs): analyses every field, computes each
 * posting's saturated contribution tf~/(k1+tf~) with this segment's average field lengths, and
 * streams the postings to `sink` in term order. Pure: the caller writes the bytes somewhere.
 */
export function buildSegment(input: readonly SegmentDoc[], schema: SegmentSchema, sink: (chunk: Uint8Array) => void): BuiltSegment {
  const analyze = schema.analyze ?? ((text: string, emit: (term: string) => void) => eachTerm(text, emit));
  const F = schema.fields.length;
  const docs = [...input].sort((a, b) => a.seq - b.seq);
  const postings = new Map<string, Postings>();
  const lengths = new Uint32Array(docs.length * F);
  const sums = new Array<number>(F).fill(0);
  const rows: DocRow[] = [];
  docs.forEach((doc, d) => {
    const tfs = new Map<string, number[]>();
    for (let f = 0; f < F; f++) {
      let length = 0;
      analyze(doc.texts[f] ?? '', (term) => {
        length++;
        let r = tfs.get(term);
        if (!r) tfs.set(term, (r = new Array<number>(F).fill(0)));
        r[f]!++;
      });
      lengths[d * F + f] = length;
      sums[f]! += length;
    }
    for (const [term, r] of tfs) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = new Postings(F)));
      list.push(d, r);
    }
    rows.push({ seq: doc.seq, id: doc.id, day: doc.day, categories: doc.categories, lengths: lengths.subarray(d * F, (d + 1) * F) });
  });
  const avg = sums.map((s) => (docs.length > 0 ? s / docs.length : 1) || 1);
  const out = new PostingsSink(sink);
  const dictionary = new TermDictionaryWriter();
  let sat = new Float32Array(1024);
  let tf8 = new Uint8Array(1024 * F);
  for (const term of [...postings.keys()].sort()) {
    const list = postings.get(term)!;
    const n = list.length;
    if (sat.length < n) {
      sat = new Float32Array(n * 2);
      tf8 = new Uint8Array(n * 2 * F);
    }
    let maxSat = 0;
    for (let i = 0; i < n; i++) {
      const d = list.docs[i]!;
      let tf = 0;
      for (let f = 0; f < F; f++) {
        const raw = list.tfs[i * F + f]!;
        tf8[i * F + f] = Math.min(255, raw);
        if (raw === 0) continue;
        const field = schema.fields[f]!;
        tf += (field.weight * raw) / (1 - field.b + (field.b * lengths[d * F + f]!) / avg[f]!);
      }
      sat[i] = tf / (schema.k1 + tf);
      if (sat[i]! > maxSat) maxSat = sat[i]!;
    }
    dictionary.add(term, n, out.position, maxSat);
    out.write(new Uint8Array(list.docs.buffer, 0, n * 4));
    out.write(new Uint8Array(sat.buffer, 0, n * 4));
    out.write(tf8.subarray(0, n * F));
  }
  out.flush();
  return { docs: docs.length, docTable: encodeDocTable(rows, F, sums), terms: dictionary.encode(), postingsBytes: out.position };
}
