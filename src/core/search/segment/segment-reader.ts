import type { FieldSpec, LexicalHit, TermClause } from '../lexical-types.ts';
import { DocTable } from './doc-table.ts';
import { drifted, findSlot, postingInFields, searchSource, type ScoringQuery, type ScoringSource, type ScoringStats, type TermPostings } from './scorer.ts';
import type { SegmentScratch } from './segment-scratch.ts';
import { TermDictionary } from './term-dictionary.ts';

/**
 * Reads `length` bytes at `position` of a segment's postings file into `into` (at least `length`
 * bytes) and returns them (a view of `into`). Injected: the adapter does a positional read.
 */
export type ReadAt = (position: number, length: number, into: Uint8Array) => Uint8Array;

/** One term's postings read for the query in progress. */
export class SegmentPostings implements TermPostings {
  tfBytes: Uint8Array | null = null;
  /** Contributions recomputed for the query's averages (when the stored ones drifted). */
  recomputed: Float32Array | null = null;
  constructor(
    readonly term: number,
    readonly length: number,
    readonly docs: Int32Array,
    readonly satValues: Float32Array,
    public maxSat: number,
    /** Read from (or into) the postings cache: its buffer is not reused by the next query. */
    readonly kept: boolean,
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
  private readonly docTableBytes: number;
  private readonly termsBytes: number;
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
    /**
     * What identifies this segment's postings in the shared PostingsCache: its name plus the postings
     * file's checksum and size (a name could come back after the folder was deleted and rebuilt).
     */
    private readonly postingsKey = name,
  ) {
    this.docTable = new DocTable(docTable, fields.length);
    this.dictionary = new TermDictionary(terms);
    this.docTableBytes = docTable.byteLength;
    this.termsBytes = terms.byteLength;
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
  /** Bytes this reader holds in memory: doc table, dictionary, slot and deletes arrays. */
  get memoryBytes(): number {
    return this.docTableBytes + this.termsBytes + this.slotDoc.byteLength + this.fileDeletes.byteLength + (this.normCache?.values.byteLength ?? 0);
  }

  /** Bytes of the scratch shared with the other segments (accumulators and postings buffers). */
  get scratchBytes(): number {
    const { scores, marks, touched } = this.scratch.scoring;
    return this.scratch.bytes + scores.byteLength + marks.byteLength + touched.byteLength;
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

  search(query: ScoringQuery, options: { limit: number; filter?: ((seq: number) => boolean) | undefined; stats?: ScoringStats | undefined; floor?: number | undefined }): LexicalHit[] {
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
      const cache = this.scratch.postings;
      let bytes = cache?.get(this.postingsKey, t) ?? null;
      const kept = bytes !== null || cache?.wants(df * 8) === true;
      if (!bytes) {
        bytes = this.readAt(this.dictionary.offsets[t]!, df * 8, kept ? cache!.allocate(df * 8) : this.scratch.take(df * 8));
        if (kept) cache!.set(this.postingsKey, t, bytes);
      }
      list = new SegmentPostings(t, df, new Int32Array(bytes.buffer, bytes.byteOffset, df), new Float32Array(bytes.buffer, bytes.byteOffset + df * 4, df), this.dictionary.maxSat[t]!, kept);
    }
    this.listCache.set(term, list);
    return list;
  }

  /**
   * The most frequent terms whose postings the cache would keep, at most `budget` bytes of them
   * together, most frequent first: what a service reads ahead after opening (`warmTerm`), so that
   * its first searches find the common words' lists in memory. Terms are ranked by power-of-two
   * buckets of document frequency (one pass over the dictionary, no sort of every term).
   */
  frequentTerms(budget: number): number[] {
    const cache = this.scratch.postings;
    if (!cache || budget <= 0) return [];
    const df = this.dictionary.df;
    const bucketBytes = new Float64Array(33);
    for (let t = 0; t < df.length; t++) if (cache.wants(df[t]! * 8)) bucketBytes[31 - Math.clz32(df[t]!)]! += df[t]! * 8;
    let lowest = 32;
    let total = 0;
    while (lowest > 0 && total + bucketBytes[lowest - 1]! <= budget) total += bucketBytes[--lowest]!;
    const byBucket: number[][] = Array.from({ length: 33 }, () => []);
    for (let t = 0; t < df.length; t++) {
      const bucket = 31 - Math.clz32(df[t]!);
      if (bucket >= lowest - 1 && cache.wants(df[t]! * 8)) byBucket[bucket]!.push(t);
    }
    const out: number[] = [];
    let bytes = 0;
    for (let b = 32; b >= 0; b--) {
      for (const t of byBucket[b]!) {
        if (bytes + df[t]! * 8 > budget) return out;
        bytes += df[t]! * 8;
        out.push(t);
      }
    }
    return out;
  }

  /** Reads term `t`'s postings into the postings cache unless they are there; the bytes read. */
  warmTerm(t: number): number {
    const cache = this.scratch.postings;
    if (!cache || cache.has(this.postingsKey, t)) return 0;
    const bytes = this.dictionary.df[t]! * 8;
    if (!cache.wants(bytes)) return 0;
    cache.set(this.postingsKey, t, this.readAt(this.dictionary.offsets[t]!, bytes, cache.allocate(bytes)));
    return bytes;
  }

  /**
   * The stored contributions while the averages searched with stay within 0.5% of those they were
   * computed with (the LexicalIndex rule); otherwise recomputed for this query's averages from the
   * stored term frequencies and field lengths, with the bound `maxSat` to match. Recomputed lists
   * are kept in the snapshot's scratch (bounded, least recently used dropped) while the averages
   * stay the same, so a drifted segment costs one recompute per term, not one per query.
   */
  sat(list: SegmentPostings, avg: readonly number[]): Float32Array {
    if (!drifted(this.dictionary.satAvg, avg)) return list.satValues;
    if (!list.recomputed) {
      const key = `${this.name}\u0000${list.term}`;
      const kept = this.scratch.cached(key, avg);
      if (kept) {
        list.recomputed = kept.sat;
        list.maxSat = kept.maxSat;
        return kept.sat;
      }
      const tfs = this.tfs(list);
      const out = new Float32Array(list.length);
      const norms = this.norms(avg);
      const weights = this.fields.map((field) => field.weight);
      const F = this.fields.length;
      const k1 = this.k1;
      const docs = list.docs;
      let max = 0;
      for (let i = 0; i < list.length; i++) {
        const base = docs[i]! * F;
        let tf = 0;
        for (let f = 0; f < F; f++) {
          const raw = tfs[i * F + f]!;
          if (raw !== 0) tf += (weights[f]! * raw) / norms[base + f]!; // saturation()'s arithmetic, term for term
        }
        const value = tf / (k1 + tf);
        out[i] = value;
        if (value > max) max = value;
      }
      list.recomputed = out;
      list.maxSat = max;
      this.scratch.keep(key, { avg: avg.slice(), sat: out, maxSat: max });
    }
    return list.recomputed;
  }

  /** Kept lists' stored contributions and recomputed ones (kept in the scratch) do not change. */
  stableSat(list: SegmentPostings, sat: Float32Array): boolean {
    return sat === list.recomputed || list.kept;
  }

  private normCache: { avg: readonly number[]; values: Float64Array } | null = null;

  /** Doc * fieldCount + f -> 1 - b_f + b_f * len_f / avg_f for these averages (kept while they stay the same). */
  private norms(avg: readonly number[]): Float64Array {
    if (this.normCache && this.normCache.avg.every((a, f) => a === avg[f])) return this.normCache.values;
    const F = this.fields.length;
    const n = this.docTable.count;
    const lengths = this.docTable.lengths;
    const values = new Float64Array(n * F);
    for (let f = 0; f < F; f++) {
      const { b } = this.fields[f]!;
      const a = avg[f]!;
      for (let d = 0; d < n; d++) values[d * F + f] = 1 - b + (b * lengths[d * F + f]!) / a;
    }
    this.normCache = { avg: avg.slice(), values };
    return values;
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
    // A list kept in memory (or worth keeping: one a search just read) is searched there, not by positional reads.
    const cache = this.scratch.postings;
    if (!clause.fields && cache?.wants(df * 8)) {
      let kept = cache.get(this.postingsKey, t);
      if (!kept) {
        kept = this.readAt(offset, df * 8, cache.allocate(df * 8));
        cache.set(this.postingsKey, t, kept);
      }
      return findSlot({ length: df, docs: new Int32Array(kept.buffer, kept.byteOffset, df), maxSat: 0 }, d) >= 0;
    }
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
