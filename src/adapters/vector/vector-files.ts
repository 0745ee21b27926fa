import { closeSync, openSync, readSync } from 'node:fs';
import { topK, TopHeap } from '../../core/search/top-k.ts';
import type { VectorHit } from '../../ports/search-index.ts';
import { positionalReader, type FileRecord, type ReadGuard } from '../index-files/file-io.ts';
import { graphView, type GraphView } from './graph-views.ts';

/**
 * Vector segments of the index: `<name>.seqs` (Int32 seq per row, then the live rows ordered by
 * seq), `<name>.f32` (rows of `dims` float32, read by positional reads) and, above the exact-scan
 * threshold, `<name>.hnsw`: a usearch HNSW graph (keys = row numbers) opened with `view()`, i.e.
 * memory-mapped and shared by every process. Graph hits are scored from the graph's f16 copy of the
 * vectors (no row read); rows are read for a single paper's vector and for exact scans.
 */

/** How long a worker thread other than the leader waits for the leader's int8 copy of a segment before making its own. */
export const SIBLING_COPY_WAIT_MS = 120_000;

/** The int8 copy of one vector segment's rows (see VectorSegmentReader.loadSteps). */
export interface VectorCopy {
  codes: Int8Array;
  scales: Float32Array;
}

/**
 * Int8 copies shared by every generation a process opens: a segment's rows never change once
 * written (deletes live elsewhere), so a new generation (one per index write: every second while
 * papers are embedded) takes the copies of the segments it keeps instead of reading and quantising
 * them again. `keepOnly` drops the copies of segments the newest generation no longer has (readers
 * of older generations keep their own references).
 */
export class VectorCopies {
  private readonly copies = new Map<string, VectorCopy>();
  constructor(
    /** The worker threads of one `serve` share the copies (index-files/thread-share.ts): null when alone. */
    private readonly share: { allocate(bytes: number): Uint8Array; publish(kind: string, key: string, value: unknown): void } | null = null,
    private readonly kind = 'vectors',
    /**
     * A worker thread other than the leader: it waits (up to SIBLING_COPY_WAIT_MS) for the copy the
     * leader makes of a segment rather than make a second one at the same time.
     */
    readonly waitsForSibling = false,
  ) {}
  get(key: string): VectorCopy | undefined {
    return this.copies.get(key);
  }
  /** Keeps a copy this thread made, and tells the sibling threads. */
  set(key: string, copy: VectorCopy): void {
    this.copies.set(key, copy);
    this.share?.publish(this.kind, key, copy);
  }
  /** A copy a sibling thread made (the same memory): kept unless this thread has one and `replace` is false. */
  adopt(key: string, copy: VectorCopy, replace: boolean): void {
    if (replace || !this.copies.has(key)) this.copies.set(key, copy);
  }
  /** Int8 codes and scales for `rows` rows: shared memory when threads share the copies. */
  allocate(rows: number, dims: number): VectorCopy {
    if (!this.share) return { codes: new Int8Array(rows * dims), scales: new Float32Array(rows) };
    const codes = this.share.allocate(rows * dims), scales = this.share.allocate(rows * 4);
    return { codes: new Int8Array(codes.buffer, 0, rows * dims), scales: new Float32Array(scales.buffer, 0, rows) };
  }
  entries(): Iterable<[string, VectorCopy]> {
    return this.copies.entries();
  }
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.copies.keys()) if (!keys.has(key)) this.copies.delete(key);
  }
  get bytes(): number {
    let n = 0;
    for (const c of this.copies.values()) n += c.codes.byteLength + c.scales.byteLength;
    return n;
  }
}

/** One vector segment opened for reading. */
export class VectorSegmentReader {
  readonly rowSeq: Int32Array;
  private readonly order: Int32Array;
  /** Row -> 1 when deleted (by a deletes file) or hidden (superseded in the caller's delta). */
  private readonly dead: Uint8Array;
  private liveCount: number;
  private readonly read;
  private graph: GraphView | null = null;
  /**
   * An int8 copy of the rows (row r at r * dims, scaled by scales[r]), filled in the background after
   * open (`loadSteps`): cosines of single papers (hybrid search scores every lexical candidate) and
   * scans of small segments then need no read. Null until loaded.
   */
  private codes: Int8Array | null = null;
  private scales: Float32Array | null = null;
  private graphPath: string | null = null;

  constructor(
    readonly name: string,
    readonly dims: number,
    seqsBytes: Uint8Array,
    rowsFd: number,
    rows: FileRecord,
    graphPath: string | null,
    deletes: Uint8Array | null,
    guard?: ReadGuard,
    /** Copies shared across generations, and this segment's key there (its name, rows size and crc32). */
    private readonly shared: { copies: VectorCopies; key: string } | null = null,
    /** The graph file's size and crc32 (what tells it from another file once at the same path). */
    graphIdentity: string | null = null,
  ) {
    // The seqs file: a seq per row (n), then the live rows ordered by seq (n or fewer).
    const n = rows.bytes / (dims * 4);
    const all = new Int32Array(seqsBytes.buffer, seqsBytes.byteOffset, seqsBytes.byteLength / 4);
    if (!Number.isInteger(n) || all.length < n || all.length > 2 * n) throw new Error(`vector segment ${name}: ${rows.bytes} bytes of rows and ${all.length} seqs for ${dims} dimensions`);
    this.rowSeq = all.subarray(0, n);
    this.dead = new Uint8Array(n);
    this.liveCount = n;
    if (deletes) {
      for (let r = 0; r < n; r++) {
        if (deletes[r >> 3]! & (1 << (r & 7))) {
          this.dead[r] = 1;
          this.liveCount--;
        }
      }
    }
    // Rows ordered by seq, live ones first written: `order` lists each seq's one live row.
    this.order = all.subarray(n).filter(() => true);
    this.read = positionalReader(rowsFd, rows.file, rows.bytes, guard);
    if (graphPath) {
      this.graph = graphView(graphPath, dims, graphIdentity ?? '');
      this.graphPath = graphPath;
    }
    this.adoptShared();
  }

  /** Takes the copy of this segment's rows another generation (or a sibling thread) made; whether there was one. */
  private adoptShared(): boolean {
    const copy = this.shared?.copies.get(this.shared.key);
    if (!copy || copy.codes.length !== this.rowSeq.length * this.dims) return false;
    this.codes = copy.codes;
    this.scales = copy.scales;
    return true;
  }

  get count(): number {
    return this.liveCount;
  }
  /** Bytes held in memory (the graph is memory-mapped, not counted). */
  get memoryBytes(): number {
    return this.rowSeq.byteLength * 2 + this.dead.byteLength + (this.codes?.byteLength ?? 0) + (this.scales?.byteLength ?? 0);
  }

  /** Whether the int8 copy of the rows is in memory. */
  get loaded(): boolean {
    return this.codes !== null;
  }

  /**
   * Reads the rows and keeps them as int8 (per row: the largest magnitude maps to 127; cosine error
   * at most sqrt(dims)/254 for unit vectors, measured on bge-small vectors: mean 5e-4, max 3e-3),
   * `rowsPerStep` rows a step, pausing (yielding) between steps; the copy is used once complete.
   * 384 bytes a paper at 384 dimensions.
   */
  *loadSteps(rowsPerStep = 512): Generator<number | void> {
    if (this.codes) return;
    if (this.shared?.copies.waitsForSibling) {
      for (const until = Date.now() + SIBLING_COPY_WAIT_MS; Date.now() < until; ) {
        if (this.adoptShared()) return;
        yield 50; // ms: the read-ahead pauses rather than spins
      }
    }
    const { dims } = this;
    const n = this.rows;
    const { codes, scales } = this.shared ? this.shared.copies.allocate(n, dims) : { codes: new Int8Array(n * dims), scales: new Float32Array(n) };
    const block = new Float32Array(Math.min(rowsPerStep, Math.max(1, n)) * dims);
    const bytes = new Uint8Array(block.buffer);
    for (let start = 0; start < n; start += rowsPerStep) {
      // A sibling thread finished the same copy meanwhile (index-files/thread-share.ts): use it.
      if (this.adoptShared()) return;
      const count = Math.min(rowsPerStep, n - start);
      this.read(start * dims * 4, count * dims * 4, bytes);
      for (let i = 0; i < count; i++) {
        let max = 0;
        for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(block[i * dims + d]!));
        const scale = max > 0 ? max / 127 : 1;
        scales[start + i] = scale;
        const at = (start + i) * dims;
        for (let d = 0; d < dims; d++) codes[at + d] = Math.round(block[i * dims + d]! / scale);
      }
      yield;
    }
    this.codes = codes;
    this.scales = scales;
    this.shared?.copies.set(this.shared.key, { codes, scales });
    // Once per segment and process: a generation that takes the copy over skips this too.
    yield* this.touchGraph();
  }

  /**
   * Reads the memory-mapped graph file through once, 1 MiB a step, so that its pages are in the page
   * cache before searches fault them in one by one (after a while idle, a VM may have dropped them:
   * a search then waits on dozens of disk reads).
   */
  private *touchGraph(): Generator<void> {
    if (!this.graphPath) return;
    let fd: number;
    try {
      fd = openSync(this.graphPath, 'r');
    } catch {
      return; // replaced meanwhile: the mapping stays valid, only the read-ahead is skipped
    }
    try {
      const chunk = new Uint8Array(1 << 20);
      for (let at = 0; readSync(fd, chunk, 0, chunk.length, at) === chunk.length; at += chunk.length) yield;
    } finally {
      closeSync(fd);
    }
  }

  /** Cosine of the query with a live row: from the int8 copy when loaded, else read. */
  rowScore(query: Float32Array, row: number): number {
    const { codes, dims } = this;
    if (!codes) return this.dot(query, this.rowVector(row), 0);
    let s = 0;
    const at = row * dims;
    for (let d = 0; d < dims; d++) s += query[d]! * codes[at + d]!;
    return s * this.scales![row]!;
  }
  /** Rows, deleted ones included. */
  get rows(): number {
    return this.rowSeq.length;
  }

  /** Live row of a seq, -1 when none. */
  rowOf(seq: number): number {
    let lo = 0;
    let hi = this.order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.order[mid]!;
      const v = this.rowSeq[row]!;
      if (v === seq) return this.dead[row] ? -1 : row;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  rowVector(row: number, into = new Float32Array(this.dims)): Float32Array {
    this.read(row * this.dims * 4, this.dims * 4, new Uint8Array(into.buffer, into.byteOffset, this.dims * 4));
    return into;
  }

  hide(seq: number): boolean {
    const row = this.rowOf(seq);
    if (row < 0) return false;
    this.dead[row] = 1;
    this.liveCount--;
    return true;
  }

  /** Deleted rows as a bitmap (the segment's deletes file of a new generation). */
  deletesBitmap(extra: readonly number[]): Uint8Array {
    const out = new Uint8Array((this.rows + 7) >> 3);
    for (let r = 0; r < this.rows; r++) if (this.dead[r]) out[r >> 3]! |= 1 << (r & 7);
    for (const seq of extra) {
      const row = this.rowOf(seq);
      if (row >= 0) out[row >> 3]! |= 1 << (row & 7);
    }
    return out;
  }

  /** Live (seq, vector) pairs in seq order: for merges. */
  *live(): Generator<{ seq: number; vector: Float32Array }> {
    for (const row of this.order) if (!this.dead[row]) yield { seq: this.rowSeq[row]!, vector: this.rowVector(row) };
  }

  private dot(query: Float32Array, row: Float32Array, at: number): number {
    let s = 0;
    for (let d = 0; d < this.dims; d++) s += query[d]! * row[at + d]!;
    return s;
  }

  /** Exact scan of every live row, read in blocks, kept in a bounded heap (no object per row). */
  private scan(query: Float32Array, k: number, filter?: (seq: number) => boolean): VectorHit[] {
    if (this.codes) {
      const heap = new TopHeap(k);
      for (let row = 0; row < this.rows; row++) {
        if (this.dead[row]) continue;
        const seq = this.rowSeq[row]!;
        if (filter && !filter(seq)) continue;
        heap.offer(seq, this.rowScore(query, row));
      }
      return heap.sorted().map((h) => ({ seq: h.docId, score: h.score }));
    }
    const block = 1024;
    const buffer = new Float32Array(block * this.dims);
    const bytes = new Uint8Array(buffer.buffer);
    const heap = new TopHeap(k);
    for (let start = 0; start < this.rows; start += block) {
      const count = Math.min(block, this.rows - start);
      this.read(start * this.dims * 4, count * this.dims * 4, bytes);
      for (let i = 0; i < count; i++) {
        const row = start + i;
        if (this.dead[row]) continue;
        const seq = this.rowSeq[row]!;
        if (filter && !filter(seq)) continue;
        heap.offer(seq, this.dot(query, buffer, i * this.dims));
      }
    }
    return heap.sorted().map((h) => ({ seq: h.docId, score: h.score }));
  }

  /**
   * Graph candidates scored by the graph itself: its f16 copy of each vector against the query (an
   * error below 1e-3 in the cosine, measured in test/vector-files.test.ts), so a search reads no
   * rows from disk. When too few pass the deletes and the filter, ten times as many are asked for
   * (up to 40,000), and only then is the segment scanned exactly: a filter never loses results.
   */
  nearest(query: Float32Array, k: number, candidates: number, filter?: (seq: number) => boolean): VectorHit[] {
    if (this.liveCount === 0 || k <= 0) return [];
    if (!this.graph) return this.scan(query, k, filter);
    const probe = Float32Array.from(query);
    for (let want = Math.max(2 * k, candidates); ; want *= 10) {
      const matches = this.graph.search(probe, Math.min(want, this.rows));
      const heap = new TopHeap(k);
      let passed = 0;
      for (let i = 0; i < matches.keys.length; i++) {
        const r = Number(matches.keys[i]);
        if (this.dead[r]) continue;
        const seq = this.rowSeq[r]!;
        if (filter && !filter(seq)) continue;
        passed++;
        // Inner-product distance is 1 - dot.
        heap.offer(seq, 1 - matches.distances[i]!);
      }
      const enough = passed >= Math.min(k, this.liveCount) || matches.keys.length === passed;
      if (enough) return heap.sorted().map((h) => ({ seq: h.docId, score: h.score }));
      if (want >= 40_000 || want >= this.rows) return this.scan(query, k, filter);
    }
  }

  close(): void {
    this.graph?.close();
    this.graph = null;
    this.codes = null;
    this.scales = null;
  }
}

/** The vector segments of a generation. A seq's live vector is in at most one of them. */
export class VectorSegments {
  constructor(readonly segments: readonly VectorSegmentReader[], readonly dims: number, private readonly candidates = 400) {}

  get count(): number {
    return this.segments.reduce((n, s) => n + s.count, 0);
  }

  vector(seq: number): Float32Array | null {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const row = this.segments[i]!.rowOf(seq);
      if (row >= 0) return this.segments[i]!.rowVector(row);
    }
    return null;
  }

  /** Cosine of the query with a seq's live vector (null when none): int8 copy when loaded, else read. */
  score(query: Float32Array, seq: number): number | null {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const row = this.segments[i]!.rowOf(seq);
      if (row >= 0) return this.segments[i]!.rowScore(query, row);
    }
    return null;
  }

  /**
   * Loads the segments' int8 copies (VectorSegmentReader.loadSteps), a step at a time, largest
   * segment first, as long as they fit `budget` bytes together (the others keep reading their rows).
   */
  *loadSteps(budget = Infinity): Generator<number | void> {
    let left = budget;
    for (const s of [...this.segments].sort((a, b) => b.rows - a.rows)) {
      const bytes = s.rows * (s.dims + 4);
      if (bytes > left) continue;
      left -= bytes;
      yield* s.loadSteps();
    }
  }

  hide(seq: number): void {
    for (const s of this.segments) s.hide(seq);
  }

  nearest(query: Float32Array, k: number, filter?: (seq: number) => boolean): VectorHit[] {
    if (query.length !== this.dims) throw new Error(`query vector has ${query.length} dimensions, the index has ${this.dims}`);
    const hits = this.segments.flatMap((s) => s.nearest(query, k, this.candidates, filter));
    return topK(hits.map((h) => ({ docId: h.seq, score: h.score })), k).map((h) => ({ seq: h.docId, score: h.score }));
  }

  close(): void {
    for (const s of this.segments) s.close();
  }
}
