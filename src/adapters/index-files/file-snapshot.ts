import { closeSync } from 'node:fs';
import type { SegmentReader } from '../../core/search/segment/segment-reader.ts';
import { globalStats, searchParts } from '../../core/search/segment/multi-search.ts';
import type { DocMeta, DocSignals, GlobalStats, LexicalHit, LexicalPart, LexicalQuery, Snapshot, TermClause, VectorHit } from '../../ports/search-index.ts';
import type { ReadGuard } from './file-io.ts';
import type { Manifest } from './manifest.ts';
import { ZERO_SIGNALS, type SignalsReader } from './signals-file.ts';
import type { VectorSegments } from '../vector/vector-files.ts';

const NONE = 255;

/**
 * One opened generation: its segments (doc tables and dictionaries in memory, postings read per
 * query), its signals file and vectors. A seq lives in at most one segment; `where` finds it.
 */
export class FileSnapshot implements Snapshot {
  readonly generation: number;
  readonly feedSeq: number;
  readonly vectorFeedSeq: number;
  private readonly segOf: Uint8Array;
  private readonly docOf: Int32Array;
  private live = 0;
  private byDayKeys: Float64Array | null = null;
  private closed = false;
  private refs = 1;

  constructor(
    readonly manifest: Manifest,
    readonly segments: readonly SegmentReader[],
    private readonly signalsReader: SignalsReader | null,
    private readonly vectors: VectorSegments,
    private readonly fds: number[],
    private readonly guard: ReadGuard = { closed: false },
  ) {
    this.generation = manifest.generation;
    this.feedSeq = manifest.feedSeq;
    this.vectorFeedSeq = manifest.vectorFeedSeq;
    if (segments.length >= NONE) throw new Error(`index generation ${manifest.generation}: ${segments.length} segments, at most ${NONE - 1} supported`);
    let maxSeq = -1;
    for (const s of segments) if (s.docTable.count > 0) maxSeq = Math.max(maxSeq, s.docTable.seqs[s.docTable.count - 1]!);
    this.segOf = new Uint8Array(maxSeq + 1).fill(NONE);
    this.docOf = new Int32Array(maxSeq + 1);
    segments.forEach((segment, s) => {
      const slotDoc = segment.slotDoc;
      for (let d = 0; d < slotDoc.length; d++) {
        const seq = slotDoc[d]!;
        if (seq < 0) continue;
        if (this.segOf[seq] !== NONE) throw new Error(`index generation ${manifest.generation}: seq ${seq} is live in ${segments[this.segOf[seq]!]!.name} and ${segment.name}`);
        this.segOf[seq] = s;
        this.docOf[seq] = d;
        this.live++;
      }
    });
  }

  get size(): number {
    return this.live;
  }

  /** Bytes this snapshot holds in memory (doc tables, dictionaries, seq maps, vector seqs, query scratch). */
  get memoryBytes(): number {
    let bytes = this.segOf.byteLength + this.docOf.byteLength + (this.byDayKeys?.byteLength ?? 0);
    for (const s of this.segments) bytes += s.memoryBytes;
    for (const v of this.vectors.segments) bytes += v.memoryBytes;
    return bytes + (this.segments[0]?.scratchBytes ?? 0);
  }

  /** The signals file's descriptor (a writer copies it into the next generation's). */
  get signalsFd(): number | null {
    return this.signalsReader?.fd ?? null;
  }

  get vectorSegments(): VectorSegments['segments'] {
    return this.vectors.segments;
  }

  get parts(): readonly LexicalPart[] {
    return this.segments;
  }

  stats(extra: readonly LexicalPart[] = []): GlobalStats {
    return globalStats([...this.segments, ...extra], this.manifest.fields.length);
  }

  search(query: LexicalQuery, options: { limit: number; filter?: (seq: number) => boolean; extra?: readonly LexicalPart[] }): LexicalHit[] {
    const parts = [...this.segments, ...(options.extra ?? [])];
    if (parts.length === 0) return [];
    return searchParts(parts, this.manifest.fields.length, query, { limit: options.limit, filter: options.filter });
  }

  private locate(seq: number): { segment: SegmentReader; doc: number } | null {
    if (seq < 0 || seq >= this.segOf.length) return null;
    const s = this.segOf[seq]!;
    return s === NONE ? null : { segment: this.segments[s]!, doc: this.docOf[seq]! };
  }

  has(seq: number): boolean {
    return seq >= 0 && seq < this.segOf.length && this.segOf[seq] !== NONE;
  }

  contains(seq: number, clause: TermClause): boolean {
    return this.locate(seq)?.segment.contains(seq, clause) ?? false;
  }

  supersede(seq: number): void {
    const at = this.locate(seq);
    if (!at) return;
    at.segment.hide(seq);
    this.segOf[seq] = NONE;
    this.live--;
  }

  seqs(): Int32Array {
    const out = new Int32Array(this.live);
    let n = 0;
    for (let seq = 0; seq < this.segOf.length; seq++) if (this.segOf[seq] !== NONE) out[n++] = seq;
    return out;
  }

  meta(seq: number): DocMeta | undefined {
    const at = this.locate(seq);
    if (!at) return undefined;
    const table = at.segment.docTable;
    return { seq, id: table.id(at.doc), day: table.days[at.doc]!, categories: table.categories(at.doc) };
  }

  day(seq: number): number {
    const at = this.locate(seq);
    return at ? at.segment.docTable.days[at.doc]! : -1;
  }

  inCategories(seq: number, wanted: readonly string[]): boolean {
    const at = this.locate(seq);
    return at ? at.segment.docTable.inCategories(at.doc, wanted) : false;
  }

  seqOf(id: string): number | undefined {
    for (const segment of this.segments) {
      for (const doc of segment.docTable.docsOfId(id)) {
        const seq = segment.docTable.seqs[doc]!;
        if (segment.slotDoc[doc] === seq) return seq;
      }
    }
    return undefined;
  }

  /** (day, seq) of every document with a known day, sorted; built on first use. */
  private dayKeys(): Float64Array {
    if (!this.byDayKeys) {
      const keys: number[] = [];
      for (let seq = 0; seq < this.segOf.length; seq++) {
        const day = this.day(seq);
        if (day >= 0) keys.push(day * 2 ** 32 + seq);
      }
      this.byDayKeys = Float64Array.from(keys).sort();
    }
    return this.byDayKeys;
  }

  byDay(fromDay: number, toDay: number): Int32Array {
    const keys = this.dayKeys();
    const out: number[] = [];
    for (let i = lowerBound(keys, Math.max(0, fromDay) * 2 ** 32); i < keys.length && keys[i]! < (toDay + 1) * 2 ** 32; i++) {
      const seq = keys[i]! % 2 ** 32;
      if (this.has(seq)) out.push(seq);
    }
    return Int32Array.from(out);
  }

  latestDay(day: number): number {
    const keys = this.dayKeys();
    for (let i = lowerBound(keys, (day + 1) * 2 ** 32) - 1; i >= 0; i--) {
      if (this.has(keys[i]! % 2 ** 32)) return Math.floor(keys[i]! / 2 ** 32);
    }
    return -1;
  }

  signals(seq: number): DocSignals {
    return this.signalsReader?.get(seq) ?? ZERO_SIGNALS;
  }

  get vectorCount(): number {
    return this.vectors.count;
  }

  vector(seq: number): Float32Array | null {
    return this.vectors.vector(seq);
  }

  vectorScore(query: Float32Array, seq: number): number | null {
    return this.vectors.score(query, seq);
  }

  supersedeVector(seq: number): void {
    this.vectors.hide(seq);
  }

  nearest(query: Float32Array, k: number, filter?: (seq: number) => boolean): VectorHit[] {
    return this.vectors.nearest(query, k, filter);
  }

  /**
   * Loads the vectors' int8 copies (VectorSegmentReader.loadSteps) while they fit `vectorBudget`
   * bytes, then reads the most frequent
   * terms' postings into the postings cache, up to `budget` bytes shared by the segments in
   * proportion to their documents, pausing (yielding) after each step (512 vectors or about 1 MiB
   * of postings); stops once the snapshot is closed.
   */
  *warmSteps(budget: number, vectorBudget = Infinity): Generator<number | void> {
    for (const pause of this.vectors.loadSteps(vectorBudget)) {
      if (this.closed) return;
      yield pause;
    }
    const docs = this.segments.reduce((n, s) => n + s.slots, 0);
    if (docs === 0) return;
    let sinceYield = 0;
    for (const segment of this.segments) {
      for (const t of segment.frequentTerms(Math.floor((budget * segment.slots) / docs))) {
        if (this.closed) return;
        sinceYield += segment.warmTerm(t);
        if (sinceYield >= 1 << 20) {
          sinceYield = 0;
          yield;
        }
      }
    }
  }

  /** One more user: the files stay open until `close` was called once more than `retain`. */
  retain(): void {
    if (this.closed) throw new Error(`index generation ${this.generation}: retained after it was closed`);
    this.refs++;
  }

  close(): void {
    if (this.closed || --this.refs > 0) return;
    this.closed = true;
    this.guard.closed = true;
    this.vectors.close();
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}

function lowerBound(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
