import { bytesOf, float64s, int32s, packSections, StringTable, uint16s, uint32s, unpackSections, SegmentFormatError } from './sections.ts';

/**
 * A segment's per-document data, in doc-number order (doc numbers are positions in the sorted
 * `seqs`): seq, day, categories (ids into a per-segment category table), paper id (with an
 * id-sorted permutation for lookups) and the length of each indexed field.
 */

export const DOC_TABLE_MAGIC = 'PBDT';
export const DOC_TABLE_VERSION = 1;
const SECTIONS = 10;

/** Growable typed array helpers. */
function grown<T extends Int32Array | Uint16Array>(array: T, needed: number, make: (n: number) => T): T {
  if (needed <= array.length) return array;
  const out = make(Math.max(needed, array.length * 2));
  out.set(array);
  return out;
}

/**
 * Accumulates a segment's documents in seq order, in columns (typed arrays, one string per paper
 * id): what the builder and the merger fill, then `encode` packs. No object per document.
 */
export class DocTableWriter {
  private seqs = new Int32Array(1024);
  private days = new Int32Array(1024);
  private catOffsets = new Int32Array(1025);
  private catIds = new Uint16Array(2048);
  private lengths: Uint16Array;
  private readonly ids: string[] = [];
  private readonly catNames: string[] = [];
  private readonly catIndex = new Map<string, number>();
  private readonly sums: number[];
  private n = 0;
  private cats = 0;

  constructor(private readonly fieldCount: number) {
    this.lengths = new Uint16Array(1024 * fieldCount);
    this.sums = new Array<number>(fieldCount).fill(0);
  }

  get count(): number {
    return this.n;
  }

  /** Appends a document; seqs must increase. `lengths` are its field lengths (saturated at 65535). */
  add(seq: number, id: string, day: number, categories: readonly string[], lengths: ArrayLike<number>): void {
    const i = this.n;
    if (i > 0 && seq <= this.seqs[i - 1]!) throw new Error(`doc table: seqs must increase (${this.seqs[i - 1]} then ${seq})`);
    this.seqs = grown(this.seqs, i + 1, (n) => new Int32Array(n));
    this.days = grown(this.days, i + 1, (n) => new Int32Array(n));
    this.catOffsets = grown(this.catOffsets, i + 2, (n) => new Int32Array(n));
    this.lengths = grown(this.lengths, (i + 1) * this.fieldCount, (n) => new Uint16Array(n));
    this.catIds = grown(this.catIds, this.cats + categories.length, (n) => new Uint16Array(n));
    this.seqs[i] = seq;
    this.days[i] = day;
    for (const c of categories) {
      let id = this.catIndex.get(c);
      if (id === undefined) {
        id = this.catNames.length;
        if (id > 0xffff) throw new Error('doc table: more than 65536 categories in one segment');
        this.catIndex.set(c, id);
        this.catNames.push(c);
      }
      this.catIds[this.cats++] = id;
    }
    this.catOffsets[i + 1] = this.cats;
    for (let f = 0; f < this.fieldCount; f++) {
      const length = lengths[f] ?? 0;
      this.lengths[i * this.fieldCount + f] = Math.min(65535, length);
      this.sums[f]! += length;
    }
    this.ids.push(id);
    this.n++;
  }

  encode(): Uint8Array {
    const n = this.n;
    const ids = this.ids;
    const order = Int32Array.from(ids.keys()).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
    const [idOffsets, idBlob] = StringTable.pack(ids);
    const [catNameOffsets, catNameBlob] = StringTable.pack(this.catNames);
    const info = new TextEncoder().encode(JSON.stringify({ docs: n, fields: this.fieldCount }));
    return packSections(DOC_TABLE_MAGIC, DOC_TABLE_VERSION, [
      bytesOf(this.seqs.subarray(0, n)),
      bytesOf(this.days.subarray(0, n)),
      bytesOf(Uint32Array.from(this.catOffsets.subarray(0, n + 1))),
      bytesOf(this.catIds.subarray(0, this.cats)),
      catNameOffsets,
      catNameBlob,
      idOffsets,
      idBlob,
      bytesOf(order),
      packLengths(this.lengths.subarray(0, n * this.fieldCount), this.sums, info),
    ]);
  }
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
