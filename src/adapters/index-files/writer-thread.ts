import type { Worker } from 'node:worker_threads';
import type { Logger } from '../../ports/logger.ts';
import type { IndexDirectory, IndexDoc, OpenExpectation, Snapshot, VectorSource, WriteBatch } from '../../ports/search-index.ts';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import type { IndexDirectoryOptions } from './index-directory-options.ts';
import { FileIndexDirectory } from './index-directory.ts';
import { PAPER_FIELDS, PAPER_K1 } from '../../core/search/lexical-types.ts';
import type { WriterReply, WriterRequest, WriterSpec } from './writer-worker.ts';

type Job = { op: 'write'; batch: WriteBatch; expect: OpenExpectation } | { op: 'merge'; expect: OpenExpectation };

/**
 * The index folder with its writes and merges on a thread of their own (writer-worker.ts): a flush
 * builds a segment, may merge segments and build an HNSW graph, seconds to minutes of CPU that in
 * `serve` would otherwise hold every request of the worker doing it. Reads (open, the generation
 * check) stay on the calling thread; a write returns the generation it wrote, opened here. Rebuilds
 * read the store as they go and stay on the calling thread (their segments are built on the build
 * pool's threads). The thread starts at the first write and does not keep the process alive.
 */
export class ThreadedIndexDirectory implements IndexDirectory {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (done: { merged: boolean }) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly local: FileIndexDirectory,
    private readonly spec: WriterSpec,
    private readonly logger?: Logger,
  ) {}

  open(expect: OpenExpectation): Promise<Snapshot | { rebuild: string }> {
    return this.local.open(expect);
  }

  currentGeneration(): number {
    return this.local.currentGeneration();
  }

  readAhead(): Promise<void> {
    return this.local.readAhead();
  }

  removeUnreferenced(): void {
    this.local.removeUnreferenced();
  }

  rebuild(docs: AsyncIterable<IndexDoc>, positions: { feedSeq: number; vectorFeedSeq: number; storeId?: string | null }, vectors?: VectorSource): Promise<Snapshot> {
    return this.local.rebuild(docs, positions, vectors);
  }

  async write(batch: WriteBatch, expect: OpenExpectation): Promise<Snapshot> {
    await this.call({ op: 'write', batch, expect });
    return this.local.openWritten(expect);
  }

  async merge(expect: OpenExpectation): Promise<Snapshot | null> {
    const { merged } = await this.call({ op: 'merge', expect });
    return merged ? this.local.openWritten(expect) : null;
  }

  /** Stops the thread (a write in flight fails); the next write starts another. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private call(job: Job): Promise<{ merged: boolean }> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // a write in flight keeps the process alive until it is committed
      worker.postMessage({ ...job, id, spec: this.spec } as WriterRequest);
    });
  }

  private start(): Worker {
    const worker = startModuleWorker(siblingModule(import.meta.url, 'writer-worker'));
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      if ('log' in reply) {
        this.logger?.[reply.log.level](reply.log.event, reply.log.fields);
        return;
      }
      const job = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!job) return;
      if ('done' in reply) job.resolve(reply.done);
      else job.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, ...(reply.error.code ? { code: reply.error.code } : {}) }));
    });
    // A thread that fails or exits fails the writes in flight; the next write starts another.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`index writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * The paper index in `dir` with the paper fields (core/search/lexical-types.ts PAPER_FIELDS). Writes
 * and merges run on a thread of their own (writer-thread.ts) unless `writerThread` is false or a
 * custom analyser is given (a function cannot cross to a thread).
 */
export function createIndexDirectory(dir: string, options: Partial<Omit<IndexDirectoryOptions, 'dir'>> & { writerThread?: boolean } = {}): IndexDirectory & { close?(): Promise<void> } {
  const { writerThread = true, ...rest } = options;
  const full: IndexDirectoryOptions = { fields: PAPER_FIELDS, k1: PAPER_K1, ...rest, dir };
  const local = new FileIndexDirectory(full);
  if (!writerThread || full.analyze || full.now) return local;
  const { analyze: _analyze, now: _now, logger, postingsCacheBytes: _cache, warmPostings: _warm, vectorCacheBytes: _vectors, readAheadPostingsBytes: _readAhead, ...spec } = full;
  return new ThreadedIndexDirectory(local, spec, logger);
}
