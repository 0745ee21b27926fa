import { DocTableWriter } from './doc-table.ts';
import { averagesWith, PostingsSink, type BaseStats, type BuiltSegment, type SegmentSchema } from './segment-builder.ts';
import { saturation } from './scorer.ts';
import type { SegmentReader } from './segment-reader.ts';
import { TermDictionaryWriter } from './term-dictionary.ts';

/**
 * Merges segments into one without re-analysing text: the live documents of every input (its
 * deletes file applied) are renumbered in seq order, each term's postings are concatenated in the
 * new order, and `sat` is recomputed with the index's average field lengths (`base`: the segments
 * not merged, plus the merged documents) from the stored field lengths and term frequencies. Postings stream to `sink` term by term.
 * Inputs must not hold the same live seq twice (a newer copy always deletes the older one).
 */
export function mergeSegments(inputs: readonly SegmentReader[], schema: SegmentSchema, sink: (chunk: Uint8Array) => void, base?: BaseStats): BuiltSegment {
  const F = schema.fields.length;
  // Live documents of every input, renumbered in seq order by a k-way merge (inputs are seq-sorted).
  const remap = inputs.map((reader) => new Int32Array(reader.docTable.count).fill(-1));
  const table = new DocTableWriter(F);
  const live = (input: number, doc: number) => !(inputs[input]!.fileDeletes[doc >> 3]! & (1 << (doc & 7)));
  const at = inputs.map(() => 0);
  for (;;) {
    let best = -1;
    let bestSeq = Infinity;
    for (let input = 0; input < inputs.length; input++) {
      const t = inputs[input]!.docTable;
      while (at[input]! < t.count && !live(input, at[input]!)) at[input]!++;
      if (at[input]! < t.count && t.seqs[at[input]!]! < bestSeq) {
        bestSeq = t.seqs[at[input]!]!;
        best = input;
      }
    }
    if (best < 0) break;
    const doc = at[best]!++;
    const t = inputs[best]!.docTable;
    remap[best]![doc] = table.count;
    table.add(bestSeq, t.id(doc), t.days[doc]!, t.categories(doc), t.lengths.subarray(doc * F, (doc + 1) * F));
  }
  const count = table.count;
  const lengths = new Uint16Array(count * F);
  const sums = new Array<number>(F).fill(0);
  inputs.forEach((reader, input) => {
    const t = reader.docTable;
    remap[input]!.forEach((to, doc) => {
      if (to < 0) return;
      for (let f = 0; f < F; f++) {
        lengths[to * F + f] = t.lengths[doc * F + f]!;
        sums[f]! += t.lengths[doc * F + f]!;
      }
    });
  });
  const avg = averagesWith(base, sums, count);

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
      sat[i] = saturation(schema.fields, schema.k1, tfs, i, lengths, docs[i]!, avg);
      if (sat[i]! > maxSat) maxSat = sat[i]!;
    }
    dictionary.add(term, n, out.position, maxSat);
    out.write(new Uint8Array(docs.buffer, 0, n * 4));
    out.write(new Uint8Array(sat.buffer, 0, n * 4));
    out.write(tfs.subarray(0, n * F));
  }
  out.flush();
  return { docs: count, docTable: table.encode(), terms: dictionary.encode(avg), postingsBytes: out.position };
}
