import { bytesOf, float32s, float64s, packSections, StringTable, uint32s, unpackSections, SegmentFormatError } from './sections.ts';

/**
 * A segment's terms, sorted (JavaScript string order), with for each: document frequency, the byte
 * offset of its postings in the postings file, and the largest saturated contribution (maxSat) for
 * MaxScore; and the average field lengths `sat` was computed with. Postings of a term at `offset`: doc numbers Int32 x df, sat Float32 x df, then term
 * frequencies Uint8 x df x fieldCount (saturating at 255).
 */

export const TERMS_MAGIC = 'PBTD';
export const TERMS_VERSION = 1;

/** Accumulates entries in sorted order without holding TermEntry objects (large vocabularies). */
export class TermDictionaryWriter {
  private terms: string[] = [];
  private df: number[] = [];
  private offsets: number[] = [];
  private maxSat: number[] = [];
  add(term: string, df: number, offset: number, maxSat: number): void {
    const last = this.terms[this.terms.length - 1];
    if (last !== undefined && !(last < term)) throw new Error(`term dictionary: terms out of order (${JSON.stringify(last)} then ${JSON.stringify(term)})`);
    this.terms.push(term);
    this.df.push(df);
    this.offsets.push(offset);
    this.maxSat.push(maxSat);
  }
  get size(): number {
    return this.terms.length;
  }
  /** `satAvg`: the average field lengths `sat` and `maxSat` were computed with. */
  encode(satAvg: readonly number[]): Uint8Array {
    const [offsets, blob] = StringTable.pack(this.terms);
    return packSections(TERMS_MAGIC, TERMS_VERSION, [offsets, blob, bytesOf(Uint32Array.from(this.df)), bytesOf(Float64Array.from(this.offsets)), bytesOf(Float32Array.from(this.maxSat)), bytesOf(Float64Array.from(satAvg))]);
  }
}

export class TermDictionary {
  private readonly terms: StringTable;
  readonly df: Uint32Array;
  readonly offsets: Float64Array;
  readonly maxSat: Float32Array;
  /** Average field lengths the stored `sat` values were computed with. */
  readonly satAvg: Float64Array;

  constructor(bytes: Uint8Array) {
    const s = unpackSections(bytes, TERMS_MAGIC, TERMS_VERSION, 6);
    this.terms = new StringTable(uint32s(s[0]!), s[1]!);
    this.df = uint32s(s[2]!);
    this.offsets = float64s(s[3]!);
    this.maxSat = float32s(s[4]!);
    this.satAvg = float64s(s[5]!);
    const n = this.terms.size;
    if (this.df.length !== n || this.offsets.length !== n || this.maxSat.length !== n) throw new SegmentFormatError('term dictionary sections disagree on the number of terms');
  }

  get size(): number {
    return this.df.length;
  }

  term(i: number): string {
    return this.terms.at(i);
  }

  /** Terms looked up recently (a query asks for each of its terms several times: df, postings, matched terms of hits). */
  private readonly found = new Map<string, number>();

  /** Index of a term, -1 when the segment does not hold it. */
  find(term: string): number {
    let index = this.found.get(term);
    if (index === undefined) {
      index = this.search(term);
      if (this.found.size >= 4096) this.found.clear();
      this.found.set(term, index);
    }
    return index;
  }

  /** Binary search over the sorted terms (each probe decodes one term). */
  private search(term: string): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.terms.at(mid);
      if (t === term) return mid;
      if (t < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
