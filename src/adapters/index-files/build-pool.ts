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
  private readonly waiting: ((worker: Worker) => void)[] = [];
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
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
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
    if (next) next(worker);
    else this.idle.push(worker);
  }

  async build(dir: string, name: string, docs: SegmentDoc[]): Promise<SegmentEntry> {
    if (!this.threaded) return buildSegmentFiles(dir, name, docs, this.schema);
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    const job: BuildJob = { id, dir, name, fields: this.schema.fields, k1: this.schema.k1, docs };
    return new Promise<SegmentEntry>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
