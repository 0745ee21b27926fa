import type { Worker } from 'node:worker_threads';
import type { SegmentDoc, SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import type { BuildJob } from './build-worker.ts';
import type { SegmentEntry } from './manifest.ts';
import { buildSegmentFiles } from './segment-files.ts';

/**
 * Builds segments of a rebuild on worker threads (one job per thread at a time), or in this thread
 * when `threads` <= 1 or the schema has a custom analyser (functions cannot cross threads).
 */
export class BuildPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { resolve: (worker: Worker) => void; reject: (error: Error) => void }[] = [];
  /** Set when a worker failed or exited: every job waiting or in flight, and every later one, fails with it. */
  private failure: Error | null = null;
  private closing = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (entry: SegmentEntry) => void; reject: (error: Error) => void }>();

  constructor(private readonly threads: number, private readonly schema: SegmentSchema) {
    if (threads <= 1 || schema.analyze) return;
    for (let i = 0; i < threads; i++) {
      const worker = startModuleWorker(siblingModule(import.meta.url, 'build-worker'));
      worker.on('message', (message: { id: number; entry?: SegmentEntry; error?: string }) => {
        const job = this.pending.get(message.id);
        this.pending.delete(message.id);
        this.release(worker);
        if (message.entry) job?.resolve(message.entry);
        else job?.reject(new Error(`index build worker: ${message.error}`));
      });
      worker.on('error', (error) => this.fail(new Error(`index build worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`index build worker exited (code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  get threaded(): boolean {
    return this.workers.length > 0;
  }

  /** Threads that can build at once (1 when building in this thread). */
  get width(): number {
    return Math.max(1, this.workers.length);
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  /** A worker is gone: the rebuild fails (and releases the lock) instead of waiting for it forever. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of this.pending.values()) job.reject(this.failure);
    this.pending.clear();
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  async build(dir: string, name: string, docs: SegmentDoc[]): Promise<SegmentEntry> {
    if (!this.threaded) return buildSegmentFiles(dir, name, docs, this.schema);
    if (this.failure) throw this.failure;
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve, reject) => this.waiting.push({ resolve, reject })));
    const id = this.nextId++;
    const job: BuildJob = { id, dir, name, fields: this.schema.fields, k1: this.schema.k1, docs };
    return new Promise<SegmentEntry>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
