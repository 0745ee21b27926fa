import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, renameSync, closeSync, rmSync, unlinkSync, writeFileSync, fsyncSync } from 'node:fs';
import { MAX_SEGMENTS, planMerge } from '../../core/search/segment/merge-policy.ts';
import type { PostingsCache } from '../../core/search/segment/postings-cache.ts';
import { averagesWith, type SegmentDoc, type SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { drifted } from '../../core/search/segment/scorer.ts';
import { mergeSegments } from '../../core/search/segment/segment-merge.ts';
import type { DocSignals, IndexDirectory, IndexDoc, OpenExpectation, Snapshot, VectorSource, WriteBatch } from '../../ports/search-index.ts';
import type { VectorCopies } from '../vector/vector-files.ts';
import { writeVectorSegment, type VectorSegmentFiles } from '../vector/vector-segment-writer.ts';
import { BuildPool } from './build-pool.ts';
import { fsyncDirectory, writeFileSynced } from './file-io.ts';
import { GRAPH_ABOVE, POSTINGS_CACHE_BYTES, VECTOR_CACHE_BYTES, type IndexDirectoryOptions } from './index-directory-options.ts';
import type { FileSnapshot } from './file-snapshot.ts';
import { INDEX_FORMAT_VERSION, manifestFiles, parseManifest, type Manifest, type SegmentEntry, type VectorSegmentEntry } from './manifest.ts';
import { openGeneration } from './open-generation.ts';
import { describeOpenError, manifestMismatch } from './open-checks.ts';
import { postingsToReadAhead, ReadAhead } from './read-ahead.ts';
import { directoryCaches } from './shared-caches.ts';
import { IndexFileError, buildSegmentFiles, writeSegmentFiles } from './segment-files.ts';
import { writeSignalsFile } from './signals-file.ts';
import { IndexLockLostError, WriterLock } from './writer-lock.ts';
import { baseStats, signalsOf, toSegmentDoc } from './index-inputs.ts';

/** Files of the index folder (what `removeUnreferenced` may delete when no manifest names them). */
const INDEX_FILE = /^(seg-\d+\.(docs|terms|post|del-\d+)|vec-\d+\.(seqs|f32|hnsw|del-\d+)|signals-\d+\.bin|MANIFEST\.tmp(-\d+-[0-9a-f]+)?)$/;

/**
 * The persistent index over a folder (docs/search.md, "Index on disk"): immutable segment files
 * named by MANIFEST, replaced atomically (new files fsynced, MANIFEST.tmp fsynced, renamed).
 */
export class FileIndexDirectory implements IndexDirectory {
  readonly dir: string;
  private readonly schema: SegmentSchema;
  private readonly now: () => number;

  /** Shared by the snapshots this directory opens for searching (not by writers' merges). */
  private readonly postings: PostingsCache | null;
  /** The int8 vector copies a service loads (warmPostings), shared by the generations it opens. */
  private readonly vectorCopies: VectorCopies;
  /** The read-ahead of the generation opened last (warmPostings). */
  private readonly readingAhead: ReadAhead;

  constructor(private readonly options: IndexDirectoryOptions) {
    this.dir = options.dir;
    const budget = options.postingsCacheBytes ?? POSTINGS_CACHE_BYTES;
    // The worker threads of one `serve` share kept postings and int8 copies (shared-caches.ts).
    ({ postings: this.postings, vectorCopies: this.vectorCopies } = directoryCaches(this.dir, budget));
    this.schema = { fields: options.fields, k1: options.k1, ...(options.analyze ? { analyze: options.analyze } : {}) };
    this.now = options.now ?? Date.now;
    this.readingAhead = new ReadAhead(options.logger);
  }

  /** The postings cache this directory's snapshots share (null when disabled). */
  get postingsCache(): PostingsCache | null {
    return this.postings;
  }

  private readManifest(): Manifest | { invalid: string } | null {
    let text: string;
    try {
      text = readFileSync(`${this.dir}/MANIFEST`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return parseManifest(text);
  }

  currentGeneration(): number {
    const m = this.readManifest();
    return m && !('invalid' in m) ? m.generation : -1;
  }

  async open(expect: OpenExpectation): Promise<Snapshot | { rebuild: string }> {
    for (let attempt = 0; ; attempt++) {
      const m = this.readManifest();
      if (m === null) return { rebuild: `no index in ${this.dir} yet` };
      if ('invalid' in m) return { rebuild: m.invalid };
      const mismatch = manifestMismatch(m, expect, this.options);
      if (mismatch) return { rebuild: mismatch };
      try {
        // An index without vectors opens for any model; for another model than the one it recorded,
        // its vector position restarts at 0 so the caller loads every embedding of the new model.
        const sameModel = m.model === expect.model && m.dims === expect.dims;
        const snapshot = openGeneration(this.dir, sameModel ? m : { ...m, vectorFeedSeq: 0 }, this.schema, expect.model !== null, this.options.fullCheckBytes, this.postings, this.vectorCopies);
        if (this.options.warmPostings) this.warm(snapshot);
        return snapshot;
      } catch (error) {
        // A writer may have replaced the generation (and deleted its files) since MANIFEST was read.
        if (attempt < 5 && this.currentGeneration() !== m.generation) continue;
        return { rebuild: describeOpenError(error) };
      }
    }
  }

  /** Loads the vectors' int8 copies and reads frequent terms' postings, a step per event-loop turn (warmPostings). */
  private warm(snapshot: FileSnapshot): void {
    this.readingAhead.start(snapshot.warmSteps(postingsToReadAhead(this.postings, this.options.readAheadPostingsBytes), this.options.vectorCacheBytes ?? VECTOR_CACHE_BYTES));
  }

  /** Settles when the read-ahead of the generation opened last is done (warmPostings); at once without one. */
  readAhead(): Promise<void> {
    return this.readingAhead.done();
  }

  private emptyManifest(expect: OpenExpectation, previous: Manifest | null): Manifest {
    return {
      format: INDEX_FORMAT_VERSION,
      generation: previous?.generation ?? this.firstFree(/(?:del-|signals-)(\d+)/) - 1,
      feedSeq: 0,
      vectorFeedSeq: 0,
      storeId: expect.storeId ?? null,
      model: expect.model,
      dims: expect.dims,
      fields: this.options.fields.map((f) => ({ ...f })),
      k1: this.options.k1,
      segments: [],
      vectorSegments: [],
      signals: null,
      nextName: previous?.nextName ?? this.firstFree(/^(?:seg|vec)-(\d+)\./),
      created: new Date(this.now()).toISOString(),
    };
  }

  /** Segment numbers and generations above every file in the folder (when no readable manifest says which are next). */
  private firstFree(pattern: RegExp): number {
    let max = 0;
    try {
      for (const name of readdirSync(this.dir)) {
        const match = pattern.exec(name);
        if (match) max = Math.max(max, Number(match[1]));
      }
    } catch {
      // no folder yet
    }
    return max + 1;
  }

  /** Makes `m` the current generation: MANIFEST.tmp written and fsynced, renamed, folder fsynced. */
  private commit(m: Manifest): void {
    // The new generation must open (every file present, sizes and checksums right) before it is named.
    openGeneration(this.dir, m, this.schema, true, this.options.fullCheckBytes).close();
    // A name of its own: a writer that lost its lock cannot overwrite the holder's.
    const tmp = `${this.dir}/MANIFEST.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fd = openSync(tmp, 'wx');
    try {
      writeFileSync(fd, JSON.stringify(m, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      fsyncDirectory(this.dir); // the new files' names are durable before the manifest names them
      // Fencing, right before the rename: only the lock's holder commits, and only on top of the
      // generation it started from.
      this.lock?.assertHeld();
      const current = this.currentGeneration();
      if (current !== -1 && current !== m.generation - 1) throw new IndexLockLostError(`${this.dir}/LOCK`);
      renameSync(tmp, `${this.dir}/MANIFEST`);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    fsyncDirectory(this.dir);
    this.removeFilesOutside(m);
  }

  private removeFilesOutside(m: Manifest): void {
    const keep = new Set(manifestFiles(m).map((f) => f.file));
    for (const name of readdirSync(this.dir)) {
      if (!INDEX_FILE.test(name) || keep.has(name)) continue;
      try {
        unlinkSync(`${this.dir}/${name}`);
      } catch {
        // gone already
      }
    }
  }

  removeUnreferenced(): void {
    const lock = WriterLock.acquire(this.dir, this.now);
    try {
      const m = this.readManifest();
      if (m && !('invalid' in m)) this.removeFilesOutside(m);
    } finally {
      lock.release();
    }
  }

  private lock: WriterLock | null = null;

  /**
   * Runs a write under LOCK. Files a crashed writer left behind are removed first (the names a new
   * generation takes are created exclusively, so two writers can never truncate each other's files).
   */
  private async withLock<T>(work: (lock: WriterLock) => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const lock = WriterLock.acquire(this.dir, this.now);
    this.lock = lock;
    try {
      const m = this.readManifest();
      if (m && !('invalid' in m)) this.removeFilesOutside(m);
      return await work(lock);
    } finally {
      this.lock = null;
      lock.release();
    }
  }

  /** The current manifest for a writer: absent -> an empty one; unreadable -> an error (rebuild first). */
  private writerBase(expect: OpenExpectation): { base: Manifest; snapshot: FileSnapshot | null } {
    const m = this.readManifest();
    if (m === null) return { base: this.emptyManifest(expect, null), snapshot: null };
    if ('invalid' in m) throw new IndexFileError(`cannot write to the index: ${m.invalid}; rebuild it (paperboy index --rebuild)`);
    if (expect.model !== null && m.vectorSegments.length > 0 && (m.model !== expect.model || m.dims !== expect.dims)) throw new IndexFileError(`cannot write ${expect.model} vectors to an index of ${m.model} vectors; rebuild it`);
    return { base: m, snapshot: openGeneration(this.dir, m, this.schema, true, this.options.fullCheckBytes) };
  }

  async write(batch: WriteBatch, expect: OpenExpectation): Promise<Snapshot> {
    await this.withLock(async () => {
      const { base, snapshot } = this.writerBase(expect);
      try {
        const generation = base.generation + 1;
        const next: Manifest = { ...base, generation, feedSeq: batch.feedSeq, vectorFeedSeq: batch.vectorFeedSeq, storeId: expect.storeId ?? base.storeId, model: expect.model ?? base.model, dims: expect.model ? expect.dims : base.dims, created: new Date(this.now()).toISOString() };
        const removed = new Set(batch.removed);
        const docs = [...new Map(batch.docs.map((d) => [d.seq, d])).values()].filter((d) => !removed.has(d.seq));
        const gone = [...docs.map((d) => d.seq), ...batch.removed];
        next.segments = base.segments.map((entry, i) => this.withDeletes(entry, snapshot!.segments[i]!, gone, generation));
        if (docs.length > 0) next.segments.push(buildSegmentFiles(this.dir, `seg-${next.nextName++}`, docs.map(toSegmentDoc), this.schema, baseStats(snapshot?.segments ?? [])));
        const vectorsSet = [...new Map((batch.vectors?.set ?? []).map((v) => [v.seq, v])).values()].filter((v) => !removed.has(v.seq));
        const vectorsGone = [...vectorsSet.map((v) => v.seq), ...(batch.vectors?.removed ?? []), ...batch.removed];
        next.vectorSegments = base.vectorSegments.map((entry, i) => this.withVectorDeletes(entry, snapshot!, i, vectorsGone, generation));
        if (vectorsSet.length > 0) next.vectorSegments.push(await this.vectorSegment(`vec-${next.nextName++}`, next.dims, vectorsSet, generation));
        // A doc's own signals first, the batch's signal changes over them.
        const signals = [...docs.map(signalsOf).filter((s) => s !== null), ...(batch.signals ?? [])];
        if (signals.length > 0) next.signals = writeSignalsFile(this.dir, `signals-${generation}.bin`, snapshot?.signalsFd ?? null, signals);
        this.commit(next);
      } finally {
        snapshot?.close();
      }
      await this.mergeLocked(expect);
    });
    return this.openWritten(expect);
  }

  private withDeletes(entry: SegmentEntry, reader: FileSnapshot['segments'][number], gone: readonly number[], generation: number): SegmentEntry {
    const bitmap = reader.fileDeletes.slice();
    let added = 0;
    for (const seq of gone) {
      const doc = reader.docTable.docOf(seq);
      if (doc < 0 || bitmap[doc >> 3]! & (1 << (doc & 7))) continue;
      bitmap[doc >> 3]! |= 1 << (doc & 7);
      added++;
    }
    if (added === 0) return entry;
    return { ...entry, deleted: entry.deleted + added, deletes: writeFileSynced(this.dir, `${entry.name}.del-${generation}`, bitmap) };
  }

  private withVectorDeletes(entry: VectorSegmentEntry, snapshot: FileSnapshot, i: number, gone: readonly number[], generation: number): VectorSegmentEntry {
    const reader = snapshot.vectorSegments[i]!;
    const before = reader.rows - reader.count;
    const bitmap = reader.deletesBitmap(gone);
    let deleted = 0;
    for (const byte of bitmap) for (let b = byte; b; b &= b - 1) deleted++;
    if (deleted === before) return entry;
    return { ...entry, deleted, deletes: writeFileSynced(this.dir, `${entry.name}.del-${generation}`, bitmap) };
  }

  private async vectorSegment(name: string, dims: number, items: AsyncIterable<{ seq: number; vector: Float32Array }> | Iterable<{ seq: number; vector: Float32Array }>, generation: number): Promise<VectorSegmentEntry> {
    const files: VectorSegmentFiles = await writeVectorSegment(this.dir, name, dims, items, this.options.graphAbove ?? GRAPH_ABOVE);
    const deletes = files.deadRows ? writeFileSynced(this.dir, `${name}.del-${generation}`, files.deadRows) : null;
    return { name, count: files.count, deleted: files.deleted, seqs: files.seqs, rows: files.rows, graph: files.graph, deletes };
  }

  /** Opens the generation just written (by this process or its writer thread): a failure to open is an error, not a rebuild. */
  async openWritten(expect: OpenExpectation): Promise<Snapshot> {
    const opened = await this.open({ ...expect, storeLastChangeSeq: Number.MAX_SAFE_INTEGER });
    if ('rebuild' in opened) throw new IndexFileError(`the index generation just written does not open: ${opened.rebuild}`);
    return opened;
  }

  async rebuild(docs: AsyncIterable<IndexDoc>, positions: { feedSeq: number; vectorFeedSeq: number; storeId?: string | null }, vectors?: VectorSource): Promise<Snapshot> {
    const expect: OpenExpectation = { model: vectors?.model ?? null, dims: vectors?.dims ?? 0, storeLastChangeSeq: Number.MAX_SAFE_INTEGER, storeId: positions.storeId ?? null };
    await this.withLock(async (lock) => {
      const previous = this.readManifest();
      const next = this.emptyManifest(expect, previous && !('invalid' in previous) ? previous : null);
      next.generation++;
      next.feedSeq = positions.feedSeq;
      next.vectorFeedSeq = positions.vectorFeedSeq;
      const pool = new BuildPool(this.options.buildThreads ?? 2, this.schema);
      const size = this.options.segmentDocs ?? 40_000;
      const built: Promise<SegmentEntry>[] = [];
      const signals: ({ seq: number } & DocSignals)[] = [];
      try {
        let batch: SegmentDoc[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          // At most one batch waiting per thread: memory stays bounded whatever the corpus size.
          if (built.length >= pool.width) await built[built.length - pool.width];
          built.push(pool.build(this.dir, `seg-${next.nextName++}`, batch));
          batch = [];
          lock.refresh();
        };
        let last = -1;
        for await (const doc of docs) {
          // Segments cover seq ranges: the store scans in seq order, and a seq appears once.
          if (doc.seq <= last) throw new Error(`index rebuild: papers must come in increasing seq order (seq ${doc.seq} after ${last})`);
          last = doc.seq;
          batch.push(toSegmentDoc(doc));
          const s = signalsOf(doc);
          if (s && (s.hfUpvotes || s.githubStars || s.localVotes)) signals.push(s);
          if (batch.length >= size) await flush();
        }
        await flush();
        next.segments = await Promise.all(built);
      } finally {
        await Promise.allSettled(built);
        await pool.close();
      }
      if (vectors) next.vectorSegments = [await this.vectorSegment(`vec-${next.nextName++}`, vectors.dims, vectors.vectors, next.generation)];
      if (signals.length > 0) next.signals = writeSignalsFile(this.dir, `signals-${next.generation}.bin`, null, signals);
      this.commit(next);
      const total = next.segments.reduce((n, s) => n + s.docs, 0);
      if (next.segments.length > 1 && total <= (this.options.singleSegmentBelow ?? 5_000_000)) await this.mergeLocked(expect, 1);
      else this.resaturate(expect);
      this.options.logger?.info('index.rebuilt', { generation: next.generation, segments: next.segments.length, docs: next.segments.reduce((n, s) => n + s.docs, 0), threads: pool.width });
      await this.mergeLocked(expect);
    });
    return this.openWritten(expect);
  }

  /**
   * Segments built in parallel computed `sat` with their own average field lengths: those more than
   * 0.5% off the index's averages are rewritten with them (postings re-used, no analysis), so that
   * queries use stored contributions rather than recompute them.
   */
  private resaturate(expect: OpenExpectation): void {
    const { base, snapshot } = this.writerBase(expect);
    if (!snapshot) return;
    try {
      const all = baseStats(snapshot.segments);
      const avg = averagesWith(all, all.lengthSums.map(() => 0), 0);
      let changed = false;
      const next: Manifest = { ...base, generation: base.generation + 1, created: new Date(this.now()).toISOString() };
      next.segments = base.segments.map((entry, i) => {
        const reader = snapshot.segments[i]!;
        if (!drifted(reader.dictionary.satAvg, avg)) return entry;
        changed = true;
        const others = baseStats(snapshot.segments.filter((_, j) => j !== i));
        return writeSegmentFiles(this.dir, `seg-${next.nextName++}`, (sink) => mergeSegments([reader], this.schema, sink, others));
      });
      if (changed) this.commit(next);
    } finally {
      snapshot.close();
    }
  }

  async merge(expect: OpenExpectation): Promise<Snapshot | null> {
    const merged = await this.withLock(() => this.mergeLocked(expect));
    return merged ? this.openWritten(expect) : null;
  }

  /** Applies the merge policy to text and vector segments, one generation per merge; true when anything merged. */
  private async mergeLocked(expect: OpenExpectation, maxSegments = this.options.maxSegments ?? MAX_SEGMENTS): Promise<boolean> {
    let merged = false;
    for (;;) {
      const { base, snapshot } = this.writerBase(expect);
      if (!snapshot) return merged;
      try {
        const text = planMerge(base.segments, maxSegments);
        const vectors = text ? null : planMerge(base.vectorSegments.map((v) => ({ docs: v.count, deleted: v.deleted })), maxSegments);
        if (!text && !vectors) return merged;
        const next: Manifest = { ...base, generation: base.generation + 1, created: new Date(this.now()).toISOString() };
        if (text) {
          const name = `seg-${next.nextName++}`;
          const others = snapshot.segments.filter((_, i) => !text.includes(i));
          const entry = writeSegmentFiles(this.dir, name, (sink) => mergeSegments(text.map((i) => snapshot.segments[i]!), this.schema, sink, baseStats(others)));
          next.segments = [...base.segments.slice(0, text[0]!), entry, ...base.segments.slice(text[text.length - 1]! + 1)].filter((s) => s.docs > 0);
        } else if (vectors) {
          const readers = vectors.map((i) => snapshot.vectorSegments[i]!);
          const entry = await this.vectorSegment(`vec-${next.nextName++}`, base.dims, (function* () {
            for (const r of readers) yield* r.live();
          })(), next.generation);
          next.vectorSegments = [...base.vectorSegments.slice(0, vectors[0]!), entry, ...base.vectorSegments.slice(vectors[vectors.length - 1]! + 1)].filter((v) => v.count > 0);
        }
        this.commit(next);
        this.options.logger?.info('index.merged', { generation: next.generation, text: text?.length ?? 0, vectors: vectors?.length ?? 0 });
        merged = true;
      } finally {
        snapshot.close();
      }
    }
  }
}
