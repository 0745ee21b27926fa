import { bytesOf, float64s, int32s, packSections, StringTable, uint16s, uint32s, unpackSections, SegmentFormatError } from './sections.ts';

/**
 * A segment's per-document data, in doc-number order (doc numbers are positions in the sorted
 * `seqs`): seq, day, categories (ids into a per-segment category table), paper id (with an
 * id-sorted permutation for lookups) and the length of each indexed field.
 */

export const DOC_TABLE_MAGIC = 'PBDT';
export const DOC_TABLE_VERSION = 1;
const SECTIONS = 10;

/** One document's row, as the builder and merger produce them. */
export interface DocRow {
  seq: number;
  id: string;
  day: number;
  categories: readonly string[];
  /** Field lengths (tokens), in field order. */
  lengths: ArrayLike<number>;
}

export function encodeDocTable(rows: readonly DocRow[], fieldCount: number, lengthSums: readonly number[]): Uint8Array {
  const n = rows.length;
  const seqs = new Int32Array(n);
  const days = new Int32Array(n);
  const catOffsets = new Uint32Array(n + 1);
  const catNames: string[] = [];
  const catIndex = new Map<string, number>();
  const catIds: number[] = [];
  const lengths = new Uint16Array(n * fieldCount);
  rows.forEach((row, i) => {
    if (i > 0 && row.seq <= rows[i - 1]!.seq) throw new Error(`doc table: seqs must increase (${rows[i - 1]!.seq} then ${row.seq})`);
    seqs[i] = row.seq;
    days[i] = row.day;
    for (const c of row.categories) {
      let id = catIndex.get(c);
      if (id === undefined) {
        id = catNames.length;
        if (id > 0xffff) throw new Error('doc table: more than 65536 categories in one segment');
        catIndex.set(c, id);
        catNames.push(c);
      }
      catIds.push(id);
    }
    catOffsets[i + 1] = catIds.length;
    for (let f = 0; f < fieldCount; f++) lengths[i * fieldCount + f] = Math.min(65535, row.lengths[f] ?? 0);
  });
  const ids = rows.map((r) => r.id);
  const order = Int32Array.from(ids.keys()).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
  const [idOffsets, idBlob] = StringTable.pack(ids);
  const [catNameOffsets, catNameBlob] = StringTable.pack(catNames);
  const info = new TextEncoder().encode(JSON.stringify({ docs: n, fields: fieldCount }));
  return packSections(DOC_TABLE_MAGIC, DOC_TABLE_VERSION, [
    bytesOf(seqs),
    bytesOf(days),
    bytesOf(catOffsets),
    bytesOf(Uint16Array.from(catIds)),
    catNameOffsets,
    catNameBlob,
    idOffsets,
    idBlob,
    bytesOf(order),
    packLengths(lengths, lengthSums, info),
  ]);
}

// The last section: field-length sums (f64 x F), then the lengths (u16 x n x F), then a JSON info.
function packLengths(lengths: Uint16Array, sums: readonly number[], info: Uint8Array): Uint8Array {
  const head = 8 + 8 * sums.length;
  const out = new Uint8Array(head + lengths.byteLength + info.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, sums.length, true);
  view.setUint32(4, lengths.byteLength, true);
  sums.forEach((s, f) => view.setFloat64(8 + 8 * f, s, true));
  out.set(bytesOf(lengths), head);
  out.set(info, head + lengths.byteLength);
  return out;
}

export class DocTable {
  readonly seqs: Int32Array;
  readonly days: Int32Array;
  private readonly catOffsets: Uint32Array;
  private readonly catIds: Uint16Array;
  readonly categoryNames: readonly string[];
  private readonly ids: StringTable;
  private readonly idOrder: Int32Array;
  /** Doc * fieldCount + f -> length of field f. */
  readonly lengths: Uint16Array;
  /** Sum of each field's length over every document of the segment. */
  readonly lengthSums: Float64Array;

  constructor(bytes: Uint8Array, readonly fieldCount: number) {
    const s = unpackSections(bytes, DOC_TABLE_MAGIC, DOC_TABLE_VERSION, SECTIONS);
    this.seqs = int32s(s[0]!);
    this.days = int32s(s[1]!);
    this.catOffsets = uint32s(s[2]!);
    this.catIds = uint16s(s[3]!);
    const names = new StringTable(uint32s(s[4]!), s[5]!);
    this.categoryNames = Array.from({ length: names.size }, (_, i) => names.at(i));
    this.ids = new StringTable(uint32s(s[6]!), s[7]!);
    this.idOrder = int32s(s[8]!);
    const tail = s[9]!;
    const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    const F = view.getUint32(0, true);
    const lengthBytes = view.getUint32(4, true);
    if (F !== fieldCount) throw new SegmentFormatError(`doc table has ${F} fields, the index has ${fieldCount}`);
    this.lengthSums = float64s(tail.subarray(8, 8 + 8 * F)).slice();
    this.lengths = uint16s(tail.subarray(8 + 8 * F, 8 + 8 * F + lengthBytes));
    const n = this.seqs.length;
    if (this.days.length !== n || this.catOffsets.length !== n + 1 || this.ids.size !== n || this.idOrder.length !== n || this.lengths.length !== n * F) {
      throw new SegmentFormatError('doc table sections disagree on the number of documents');
    }
  }

  get count(): number {
    return this.seqs.length;
  }

  /** Doc number of a seq, -1 when absent. */
  docOf(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length - 1;
    const seqs = this.seqs;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = seqs[mid]!;
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  id(doc: number): string {
    return this.ids.at(doc);
  }

  categories(doc: number): string[] {
    const out: string[] = [];
    for (let i = this.catOffsets[doc]!; i < this.catOffsets[doc + 1]!; i++) out.push(this.categoryNames[this.catIds[i]!]!);
    return out;
  }

  /** Whether a document has one of the categories or one under it (`cs` matches `cs.LG`). */
  inCategories(doc: number, wanted: readonly string[]): boolean {
    for (let i = this.catOffsets[doc]!; i < this.catOffsets[doc + 1]!; i++) {
      const c = this.categoryNames[this.catIds[i]!]!;
      for (const w of wanted) if (c === w || (c.length > w.length && c.startsWith(w) && c[w.length] === '.')) return true;
    }
    return false;
  }

  /** Doc numbers holding a paper id (normally one; several only while deletes hide the others). */
  docsOfId(id: string): number[] {
    const order = this.idOrder;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids.at(order[mid]!) < id) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < order.length && this.ids.at(order[i]!) === id; i++) out.push(order[i]!);
    return out;
  }
}
