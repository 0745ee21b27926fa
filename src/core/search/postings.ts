/** A term's postings: ordinals in increasing order, term frequencies per field, cached contributions. */
export class Postings {
  docs = new Int32Array(4);
  tfs: Uint16Array;
  length = 0;
  /** Live documents holding the term (tombstoned postings excluded). */
  df = 0;
  /** Cached tf~/(k1+tf~) per posting for unfielded clauses, valid for `satGeneration`. */
  sat: Float32Array | null = null;
  satGeneration = -1;
  /** Postings whose contribution is in `sat` (later ones were appended since). */
  satLength = 0;
  /** Largest value in `sat`: idf x maxSat bounds what the term can add to any score. */
  maxSat = 0;
  constructor(readonly fieldCount: number) {
    this.tfs = new Uint16Array(4 * fieldCount);
  }
  push(ordinal: number, tfByField: number[]): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.docs.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const tfs = new Uint16Array(this.tfs.length * 2);
      tfs.set(this.tfs);
      this.tfs = tfs;
    }
    this.docs[this.length] = ordinal;
    for (let f = 0; f < this.fieldCount; f++) this.tfs[this.length * this.fieldCount + f] = Math.min(65535, tfByField[f] ?? 0);
    this.length++;
  }
  has(ordinal: number): boolean {
    return findPosting(this, ordinal) >= 0;
  }
}

/** Index of a document's posting in a list (postings are sorted by ordinal), or -1. */
export function findPosting(list: Postings, ordinal: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = list.docs[mid]!;
    if (v === ordinal) return mid;
    if (v < ordinal) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
