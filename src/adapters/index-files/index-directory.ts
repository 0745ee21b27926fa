import { mkdirSync, openSync, readdirSync, readFileSync, renameSync, closeSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import type { FieldSpec } from '../../core/search/lexical-types.ts';
import { MAX_SEGMENTS, planMerge } from '../../core/search/segment/merge-policy.ts';
import { dayOf } from '../../core/search/segment/days.ts';
import type { SegmentDoc, SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { mergeSegments } from '../../core/search/segment/segment-merge.ts';
import { SegmentFormatError } from '../../core/search/segment/sections.ts';
import type { DocSignals, IndexDirectory, IndexDoc, OpenExpectation, Snapshot, VectorSource, WriteBatch } from '../../ports/search-index.ts';
import { writeVectorSegment, type VectorSegmentFiles } from '../vector/vector-files.ts';
import { BuildPool } from './build-pool.ts';
import { fsyncDirectory, writeFileSynced } from './file-io.ts';
import type { FileSnapshot } from './file-snapshot.ts';
import { INDEX_FORMAT_VERSION, manifestFiles, parseManifest, sameFields, type Manifest, type SegmentEntry, type VectorSegmentEntry } from './manifest.ts';
import { openGeneration } from './open-generation.ts';
import { IndexFileError, buildSegmentFiles, writeSegmentFiles } from './segment-files.ts';
import { writeSignalsFile } from './signals-file.ts';
import { WriterLock } from './writer-lock.ts';

export interface IndexDirectoryOptions {
  /** The index folder (created when missing). */
  dir: string;
  fields: readonly FieldSpec[];
  k1: number;
  /** Custom analyser (tests); the default is the paper analyser. A custom one builds in this thread. */
  analyze?: (text: string, emit: (term: string) => void) => void;
  /** Documents per segment of a rebuild (default 40,000). */
  segmentDocs?: number;
  /** Threads a rebuild builds segments on (default 2; 1 = this thread). */
  buildThreads?: number;
  /** Merge policy: more segments than this are merged (default 8). */
  maxSegments?: number;
  /** Vector segments larger than this get an HNSW graph (default 20,000). */
  graphAbove?: number;
  now?: () => number;
}

/** Files of the index folder (what `removeUnreferenced` may delete when no manifest names them). */
const INDEX_FILE = /^(seg-\d+\.(docs|terms|post|del-\d+)|vec-\d+\.(seqs|f32|hnsw|del-\d+)|signals-\d+\.bin|MANIFEST\.tmp)$/;

const toSegmentDoc = (doc: IndexDoc): SegmentDoc => ({
  seq: doc.seq,
  id: doc.id,
  day: dayOf(doc.date),
  categories: doc.categories,
  texts: [doc.title, doc.abstract, doc.authors.join(' ; ')],
});

const signalsOf = (doc: IndexDoc): ({ seq: number } & DocSignals) | null =>
  doc.signals ? { seq: doc.seq, hfUpvotes: doc.signals.hfUpvotes ?? 0, githubStars: doc.signals.githubStars ?? 0, localVotes: doc.signals.localVotes ?? 0 } : null;

/**
 * The persistent index over a folder (docs/search.md, "Index on disk"): immutable segment files
 * named by MANIFEST, replaced atomically (new files fsynced, MANIFEST.tmp fsynced, renamed).
 */
export class FileIndexDirectory implements IndexDirectory {
  readonly dir: string;
  private readonly schema: SegmentSchema;
  private readonly now: () => number;

  constructor(private readonly options: IndexDirectoryOptions) {
    this.dir = options.dir;
    this.schema = { fields: options.fields, k1: options.k1, ...(options.analyze ? { analyze: options.analyze } : {}) };
    this.now = options.now ?? Date.now;
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
      const mismatch = this.mismatch(m, expect);
      if (mismatch) return { rebuild: mismatch };
      try {
        return openGeneration(this.dir, m, this.schema, expect.model !== null);
      } catch (error) {
        // A writer may have replaced the generation (and deleted its files) since MANIFEST was read.
        if (attempt < 5 && this.currentGeneration() !== m.generation) continue;
        return { rebuild: this.describe(error) };
      }
    }
  }

  private describe(error: unknown): string {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return `index file missing: ${e.path ?? e.message}`;
    if (error instanceof IndexFileError || error instanceof SegmentFormatError) return error.message;
    return `index unreadable: ${e.message}`;
  }

  private mismatch(m: Manifest, expect: OpenExpectation): string | null {
    if (!sameFields(m.fields, this.options.fields) || m.k1 !== this.options.k1) return 'the index was built with other BM25F fields or k1';
    if (expect.model !== null && m.vectorSegments.length > 0 && (m.model !== expect.model || m.dims !== expect.dims)) return `the index holds vectors of ${m.model ?? 'no model'} (${m.dims} dims), the configured model is ${expect.model} (${expect.dims} dims)`;
    if (m.feedSeq > expect.storeLastChangeSeq || m.vectorFeedSeq > expect.storeLastChangeSeq) {
      return `the index is at change ${Math.max(m.feedSeq, m.vectorFeedSeq)}, beyond the store's last change ${expect.storeLastChangeSeq} (was the database replaced?)`;
    }
    return null;
  }

  private emptyManifest(expect: OpenExpectation, previous: Manifest | null): Manifest {
    return {
      format: INDEX_FORMAT_VERSION,
      generation: previous?.generation ?? 0,
      feedSeq: 0,
      vectorFeedSeq: 0,
      model: expect.model,
      dims: expect.dims,
      fields: this.options.fields.map((f) => ({ ...f })),
      k1: this.options.k1,
      segments: [],
      vectorSegments: [],
      signals: null,
      nextName: previous?.nextName ?? 1,
      created: new Date(this.now()).toISOString(),
    };
  }

  /** Makes `m` the current generation: MANIFEST.tmp written and fsynced, renamed, folder fsynced. */
  private commit(m: Manifest): void {
    const tmp = `${this.dir}/MANIFEST.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(m, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, `${this.dir}/MANIFEST`);
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

  private withLock<T>(work: (lock: WriterLock) => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const lock = WriterLock.acquire(this.dir, this.now);
    return work(lock).finally(() => lock.release());
  }

  /** The current manifest for a writer: absent -> an empty one; unreadable -> an error (rebuild first). */
  private writerBase(expect: OpenExpectation): { base: Manifest; snapshot: FileSnapshot | null } {
    const m = this.readManifest();
    if (m === null) return { base: this.emptyManifest(expect, null), snapshot: null };
    if ('invalid' in m) throw new IndexFileError(`cannot write to the index: ${m.invalid}; rebuild it (paperboy index --rebuild)`);
    if (expect.model !== null && m.vectorSegments.length > 0 && (m.model !== expect.model || m.dims !== expect.dims)) throw new IndexFileError(`cannot write ${expect.model} vectors to an index of ${m.model} vectors; rebuild it`);
    return { base: m, snapshot: openGeneration(this.dir, m, this.schema, true) };
  }

  async write(batch: WriteBatch, expect: OpenExpectation): Promise<Snapshot> {
    await this.withLock(async () => {
      const { base, snapshot } = this.writerBase(expect);
      try {
        const generation = base.generation + 1;
        const next: Manifest = { ...base, generation, feedSeq: batch.feedSeq, vectorFeedSeq: batch.vectorFeedSeq, model: expect.model ?? base.model, dims: expect.model ? expect.dims : base.dims, created: new Date(this.now()).toISOString() };
        const docs = [...new Map(batch.docs.map((d) => [d.seq, d])).values()];
        const gone = [...docs.map((d) => d.seq), ...batch.removed];
        next.segments = base.segments.map((entry, i) => this.withDeletes(entry, snapshot!.segments[i]!, gone, generation));
        if (docs.length > 0) next.segments.push(buildSegmentFiles(this.dir, `seg-${next.nextName++}`, docs.map(toSegmentDoc), this.schema));
        const vectorsSet = batch.vectors?.set ?? [];
        const vectorsGone = [...vectorsSet.map((v) => v.seq), ...(batch.vectors?.removed ?? []), ...batch.removed];
        next.vectorSegments = base.vectorSegments.map((entry, i) => this.withVectorDeletes(entry, snapshot!, i, vectorsGone, generation));
        if (vectorsSet.length > 0) next.vectorSegments.push(await this.vectorSegment(`vec-${next.nextName++}`, next.dims, vectorsSet, generation));
        const signals = [...(batch.signals ?? []), ...docs.map(signalsOf).filter((s) => s !== null)];
        if (signals.length > 0) next.signals = writeSignalsFile(this.dir, `signals-${generation}.bin`, this.signalsFd(snapshot), signals);
        this.commit(next);
      } finally {
        snapshot?.close();
      }
      await this.mergeLocked(expect);
    });
    return this.openWritten(expect);
  }

  private signalsFd(snapshot: FileSnapshot | null): number | null {
    return snapshot?.signalsFd ?? null;
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
    const files: VectorSegmentFiles = await writeVectorSegment(this.dir, name, dims, items, this.options.graphAbove ?? 20_000);
    const deletes = files.deadRows ? writeFileSynced(this.dir, `${name}.del-${generation}`, files.deadRows) : null;
    return { name, count: files.count, deleted: files.deleted, seqs: files.seqs, rows: files.rows, graph: files.graph, deletes };
  }

  private async openWritten(expect: OpenExpectation): Promise<Snapshot> {
    const opened = await this.open({ ...expect, storeLastChangeSeq: Number.MAX_SAFE_INTEGER });
    if ('rebuild' in opened) throw new IndexFileError(`the index generation just written does not open: ${opened.rebuild}`);
    return opened;
  }

  async rebuild(docs: AsyncIterable<IndexDoc>, positions: { feedSeq: number; vectorFeedSeq: number }, vectors?: VectorSource): Promise<Snapshot> {
    const expect: OpenExpectation = { model: vectors?.model ?? null, dims: vectors?.dims ?? 0, storeLastChangeSeq: Number.MAX_SAFE_INTEGER };
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
        for await (const doc of docs) {
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
      await this.mergeLocked(expect);
    });
    return this.openWritten(expect);
  }

  async merge(expect: OpenExpectation): Promise<Snapshot | null> {
    const merged = await this.withLock(() => this.mergeLocked(expect));
    return merged ? this.openWritten(expect) : null;
  }

  /** Applies the merge policy to text and vector segments, one generation per merge; true when anything merged. */
  private async mergeLocked(expect: OpenExpectation): Promise<boolean> {
    let merged = false;
    for (;;) {
      const { base, snapshot } = this.writerBase(expect);
      if (!snapshot) return merged;
      try {
        const max = this.options.maxSegments ?? MAX_SEGMENTS;
        const text = planMerge(base.segments, max);
        const vectors = text ? null : planMerge(base.vectorSegments.map((v) => ({ docs: v.count, deleted: v.deleted })), max);
        if (!text && !vectors) return merged;
        const next: Manifest = { ...base, generation: base.generation + 1, created: new Date(this.now()).toISOString() };
        if (text) {
          const name = `seg-${next.nextName++}`;
          const entry = writeSegmentFiles(this.dir, name, (sink) => mergeSegments(text.map((i) => snapshot.segments[i]!), this.schema, sink));
          next.segments = [...base.segments.slice(0, text[0]!), entry, ...base.segments.slice(text[text.length - 1]! + 1)].filter((s) => s.docs > 0);
        } else if (vectors) {
          const readers = vectors.map((i) => snapshot.vectorSegments[i]!);
          const entry = await this.vectorSegment(`vec-${next.nextName++}`, base.dims, (function* () {
            for (const r of readers) yield* r.live();
          })(), next.generation);
          next.vectorSegments = [...base.vectorSegments.slice(0, vectors[0]!), entry, ...base.vectorSegments.slice(vectors[vectors.length - 1]! + 1)].filter((v) => v.count > 0);
        }
        this.commit(next);
        merged = true;
      } finally {
        snapshot.close();
      }
    }
  }
}
