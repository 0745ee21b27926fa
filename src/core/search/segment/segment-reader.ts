import type { FieldSpec, LexicalHit, TermClause } from '../lexical-types.ts';
import { DocTable } from './doc-table.ts';
import { postingInFields, searchSource, type ScoringQuery, type ScoringScratch, type ScoringSource, type ScoringStats, type TermPostings } from './scorer.ts';
import { TermDictionary } from './term-dictionary.ts';

/**
 * Reads `length` bytes at `position` of a segment's postings file into `into` (at least `length`
 * bytes) and returns them (a view of `into`). Injected: the adapter does a positional read.
 */
export type ReadAt = (position: number, length: number, into: Uint8Array) => Uint8Array;

/** Scratch a snapshot's segments share: accumulators and postings buffers, reused query after query. */
export class SegmentScratch {
  private buffers: Uint8Array[] = [];
  private next = 0;
  readonly small = new Uint8Array(64);
  constructor(readonly scoring: ScoringScratch) {}
  /** Starts a query: every buffer may be reused. */
  reset(): void {
    this.next = 0;
  }
  /** A buffer of at least `bytes` bytes, not handed out again before the next `reset`. */
  take(bytes: number): Uint8Array {
    let buffer = this.buffers[this.next];
    if (!buffer || buffer.length < bytes) {
      buffer = new Uint8Array(Math.max(bytes, Math.min(2 * (buffer?.length ?? 0), bytes * 2), 4096));
      this.buffers[this.next] = buffer;
    }
    this.next++;
    return buffer;
  }
  /** Bytes held by the postings buffers. */
  get bytes(): number {
    return this.buffers.reduce((sum, b) => sum + b.byteLength, 0);
  }
}

/** One term's postings read for the query in progress. */
export class SegmentPostings implements TermPostings {
  tfBytes: Uint8Array | null = null;
  constructor(
    readonly term: number,
    readonly length: number,
    readonly docs: Int32Array,
    readonly satValues: Float32Array,
    readonly maxSat: number,
  ) {}
}

/**
 * A segment opened for search: the doc table and term dictionary in memory, postings read per query
 * with positional reads into the shared scratch. Slots are doc numbers; deleted documents (the
 * segment's deletes file, and seqs the caller `hide`s) have slot doc -1.
 */
export class SegmentReader implements ScoringSource<SegmentPostings> {
  readonly docTable: DocTable;
  readonly dictionary: TermDictionary;
  /** Doc number -> seq, -1 when deleted or hidden. */
  readonly slotDoc: Int32Array;
  /** Doc numbers deleted by the generation's deletes file (a bitmap). */
  readonly fileDeletes: Uint8Array;
  private live: number;
  private listCache = new Map<string, SegmentPostings | null>();

  constructor(
    readonly name: string,
    docTable: Uint8Array,
    terms: Uint8Array,
    private readonly readAt: ReadAt,
    readonly fields: readonly FieldSpec[],
    readonly k1: number,
    private readonly scratch: SegmentScratch,
    deletes: Uint8Array | null,
  ) {
    this.docTable = new DocTable(docTable, fields.length);
    this.dictionary = new TermDictionary(terms);
    const n = this.docTable.count;
    this.fileDeletes = new Uint8Array((n + 7) >> 3);
    if (deletes) {
      if (deletes.length !== this.fileDeletes.length) throw new Error(`segment ${name}: deletes bitmap has ${deletes.length} bytes, expected ${this.fileDeletes.length}`);
      this.fileDeletes.set(deletes);
    }
    this.slotDoc = this.docTable.seqs.slice();
    this.live = n;
    for (let d = 0; d < n; d++) {
      if (this.fileDeletes[d >> 3]! & (1 << (d & 7))) {
        this.slotDoc[d] = -1;
        this.live--;
      }
    }
  }

  get slots(): number {
    return this.docTable.count;
  }
  get lengths(): Uint16Array {
    return this.docTable.lengths;
  }
  /** Live documents (not deleted, not hidden). */
  get size(): number {
    return this.live;
  }
  /** Documents counted in statistics: all of the segment's, deleted ones included (LexicalPart). */
  get statDocs(): number {
    return this.docTable.count;
  }
  fieldLengthSums(): readonly number[] {
    return Array.from(this.docTable.lengthSums);
  }
  docFreq(term: string): number {
    const t = this.dictionary.find(term);
    return t < 0 ? 0 : this.dictionary.df[t]!;
  }
  /** Deleted documents, by the deletes file only. */
  get deletedInFile(): number {
    let count = 0;
    for (const byte of this.fileDeletes) for (let b = byte; b; b &= b - 1) count++;
    return count;
  }

  /** Doc number of a live seq, -1 otherwise. */
  liveDoc(seq: number): number {
    const d = this.docTable.docOf(seq);
    return d >= 0 && this.slotDoc[d] !== -1 ? d : -1;
  }

  /** Hides a seq (its newer version is elsewhere); true when it was live here. */
  hide(seq: number): boolean {
    const d = this.liveDoc(seq);
    if (d < 0) return false;
    this.slotDoc[d] = -1;
    this.live--;
    return true;
  }

  ownStats(): ScoringStats {
    const n = this.docTable.count;
    return { docs: n, avgLengths: Array.from(this.docTable.lengthSums, (s) => (n > 0 ? s / n : 1) || 1), docFreq: (term) => this.docFreq(term) };
  }

  search(query: ScoringQuery, options: { limit: number; filter?: ((seq: number) => boolean) | undefined; stats?: ScoringStats | undefined }): LexicalHit[] {
    this.scratch.reset();
    this.listCache.clear();
    try {
      return searchSource(this, query, options, options.stats ?? this.ownStats(), this.scratch.scoring);
    } catch (error) {
      this.scratch.scoring.marks.fill(0);
      throw error;
    } finally {
      this.listCache.clear();
    }
  }

  list(term: string): SegmentPostings | null {
    const cached = this.listCache.get(term);
    if (cached !== undefined) return cached;
    const t = this.dictionary.find(term);
    let list: SegmentPostings | null = null;
    if (t >= 0) {
      const df = this.dictionary.df[t]!;
      const bytes = this.readAt(this.dictionary.offsets[t]!, df * 8, this.scratch.take(df * 8));
      list = new SegmentPostings(t, df, new Int32Array(bytes.buffer, bytes.byteOffset, df), new Float32Array(bytes.buffer, bytes.byteOffset + df * 4, df), this.dictionary.maxSat[t]!);
    }
    this.listCache.set(term, list);
    return list;
  }

  sat(list: SegmentPostings): Float32Array {
    return list.satValues;
  }

  tfs(list: SegmentPostings): Uint8Array {
    if (!list.tfBytes) {
      const bytes = list.length * this.fields.length;
      list.tfBytes = this.readAt(this.dictionary.offsets[list.term]! + list.length * 8, bytes, this.scratch.take(bytes));
    }
    return list.tfBytes;
  }

  /** Whether live document `seq` holds the term: a binary search by positional reads, no list read. */
  contains(seq: number, clause: TermClause): boolean {
    const d = this.liveDoc(seq);
    const t = d < 0 ? -1 : this.dictionary.find(clause.term);
    if (t < 0) return false;
    const df = this.dictionary.df[t]!;
    const offset = this.dictionary.offsets[t]!;
    const cell = this.scratch.small;
    const view = new DataView(cell.buffer);
    let lo = 0;
    let hi = df - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      this.readAt(offset + mid * 4, 4, cell);
      const v = view.getInt32(0, true);
      if (v === d) {
        if (!clause.fields) return true;
        const F = this.fields.length;
        const tfs = this.readAt(offset + df * 8 + mid * F, F, cell);
        return postingInFields(this.fields, clause, tfs, 0);
      }
      if (v < d) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Reads a term's full postings (doc numbers and tf per field) into fresh arrays: for merges. */
  readTerm(t: number): { docs: Int32Array; tfs: Uint8Array } {
    const df = this.dictionary.df[t]!;
    const F = this.fields.length;
    const bytes = this.readAt(this.dictionary.offsets[t]!, df * (8 + F), new Uint8Array(df * (8 + F)));
    return { docs: new Int32Array(bytes.buffer, bytes.byteOffset, df), tfs: bytes.subarray(df * 8, df * 8 + df * F) };
  }
}
