import { encodeDocTable, type DocRow } from './doc-table.ts';
import { PostingsSink, type BuiltSegment, type SegmentSchema } from './segment-builder.ts';
import type { SegmentReader } from './segment-reader.ts';
import { TermDictionaryWriter } from './term-dictionary.ts';

/**
 * Merges segments into one without re-analysing text: the live documents of every input (its
 * deletes file applied) are renumbered in seq order, each term's postings are concatenated in the
 * new order, and `sat` is recomputed with the merged segment's average field lengths from the
 * stored field lengths and term frequencies. Postings stream to `sink` term by term.
 * Inputs must not hold the same live seq twice (a newer copy always deletes the older one).
 */
export function mergeSegments(inputs: readonly SegmentReader[], schema: SegmentSchema, sink: (chunk: Uint8Array) => void): BuiltSegment {
  const F = schema.fields.length;
  // Live documents of every input, in seq order, and each input's doc -> new doc map.
  const owners: { seq: number; input: number; doc: number }[] = [];
  inputs.forEach((reader, input) => {
    const table = reader.docTable;
    for (let doc = 0; doc < table.count; doc++) if (!(reader.fileDeletes[doc >> 3]! & (1 << (doc & 7)))) owners.push({ seq: table.seqs[doc]!, input, doc });
  });
  owners.sort((a, b) => a.seq - b.seq);
  const remap = inputs.map((reader) => new Int32Array(reader.docTable.count).fill(-1));
  const lengths = new Uint16Array(owners.length * F);
  const sums = new Array<number>(F).fill(0);
  const rows: DocRow[] = owners.map((o, i) => {
    if (i > 0 && owners[i - 1]!.seq === o.seq) throw new Error(`merge: seq ${o.seq} is live in two segments`);
    remap[o.input]![o.doc] = i;
    const table = inputs[o.input]!.docTable;
    for (let f = 0; f < F; f++) {
      const length = table.lengths[o.doc * F + f]!;
      lengths[i * F + f] = length;
      sums[f]! += length;
    }
    return { seq: o.seq, id: table.id(o.doc), day: table.days[o.doc]!, categories: table.categories(o.doc), lengths: lengths.subarray(i * F, (i + 1) * F) };
  });
  const avg = sums.map((s) => (owners.length > 0 ? s / owners.length : 1) || 1);

  const out = new PostingsSink(sink);
  const dictionary = new TermDictionaryWriter();
  const cursors = inputs.map(() => 0);
  const heads = inputs.map((reader) => (reader.dictionary.size > 0 ? reader.dictionary.term(0) : null));
  let docs = new Int32Array(1024);
  let tfs = new Uint8Array(1024 * F);
  let sat = new Float32Array(1024);
  for (;;) {
    let term: string | null = null;
    for (const head of heads) if (head !== null && (term === null || head < term)) term = head;
    if (term === null) break;
    // Every input's postings of the term, renumbered; each input's list stays sorted (remap is monotonic).
    const parts: { docs: Int32Array; tfs: Uint8Array; at: number; input: number }[] = [];
    let total = 0;
    heads.forEach((head, input) => {
      if (head !== term) return;
      const reader = inputs[input]!;
      const t = cursors[input]!;
      const read = reader.readTerm(t);
      parts.push({ ...read, at: 0, input });
      total += read.docs.length;
      cursors[input] = t + 1;
      heads[input] = t + 1 < reader.dictionary.size ? reader.dictionary.term(t + 1) : null;
    });
    if (docs.length < total) {
      docs = new Int32Array(total * 2);
      tfs = new Uint8Array(total * 2 * F);
      sat = new Float32Array(total * 2);
    }
    let n = 0;
    for (;;) {
      // k-way merge by new doc number, skipping deleted documents.
      let best = -1;
      let bestDoc = Infinity;
      for (let p = 0; p < parts.length; p++) {
        const part = parts[p]!;
        const map = remap[part.input]!;
        while (part.at < part.docs.length && map[part.docs[part.at]!] === -1) part.at++;
        if (part.at < part.docs.length) {
          const d = map[part.docs[part.at]!]!;
          if (d < bestDoc) {
            bestDoc = d;
            best = p;
          }
        }
      }
      if (best < 0) break;
      const part = parts[best]!;
      docs[n] = bestDoc;
      tfs.set(part.tfs.subarray(part.at * F, (part.at + 1) * F), n * F);
      part.at++;
      n++;
    }
    if (n === 0) continue;
    let maxSat = 0;
    for (let i = 0; i < n; i++) {
      const d = docs[i]!;
      let tf = 0;
      for (let f = 0; f < F; f++) {
        const raw = tfs[i * F + f]!;
        if (raw === 0) continue;
        const field = schema.fields[f]!;
        tf += (field.weight * raw) / (1 - field.b + (field.b * lengths[d * F + f]!) / avg[f]!);
      }
      sat[i] = tf / (schema.k1 + tf);
      if (sat[i]! > maxSat) maxSat = sat[i]!;
    }
    dictionary.add(term, n, out.position, maxSat);
    out.write(new Uint8Array(docs.buffer, 0, n * 4));
    out.write(new Uint8Array(sat.buffer, 0, n * 4));
    out.write(tfs.subarray(0, n * F));
  }
  out.flush();
  return { docs: owners.length, docTable: encodeDocTable(rows, F, sums), terms: dictionary.encode(), postingsBytes: out.position };
}
