import type { Worker } from 'node:worker_threads';
import { PaperboyError, isPaperboyError, type ErrorCode, ErrorCodes } from '../../core/errors.ts';
import type { ModelSettings } from '../../config/models.ts';
import type { Embedder, ModelFusion } from '../../ports/embedder.ts';
import { silentLogger, type Logger } from '../../ports/logger.ts';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import type { EmbedRequest, EmbedderWorkerData, FromEmbedderWorker, ToEmbedderWorker } from './embedder-worker.ts';

export interface ThreadedEmbedderOptions {
  /** ONNX Runtime threads of the query worker (default 1: a query is one short text). */
  queryThreads?: number;
  /** ONNX Runtime threads of the bulk worker (default 1; 2 for `paperboy embed`, which serves nobody). */
  bulkThreads?: number;
  /** Documents per inference call in the bulk worker (default 16); queries wait at most one batch of CPU. */
  batchSize?: number;
  /** Token limit per text, overriding the model's. */
  maxTokens?: number;
  /** The model's catalog settings (see loadOnnxEmbedder). */
  settings?: ModelSettings;
  /** Where a crashed model thread is logged (`model.thread_crashed`). */
  logger?: Logger;
  /** Wait before restarting a thread after its second crash in a row (default 1 s), doubling per crash up to 30 s. */
  restartBackoffMs?: number;
}

export interface ThreadedEmbedder extends Embedder {
  /** Stops the worker threads; pending calls are rejected. */
  close(): Promise<void>;
}

const WORKER = siblingModule(import.meta.url, 'embedder-worker');

/** One worker thread running the model, with its requests in flight. */
class Lane {
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Closed on purpose (close()), or dead: either way it takes no more calls. */
  private closed = false;
  readonly ready: Promise<{ modelId: string; dims: number; minRelevance?: number; fusion?: ModelFusion }>;
  private dims = 0;

  /** `onDeath` is told once when the thread ends on its own (an exit, an uncaught error, out of memory), not after close(). */
  constructor(private readonly worker: Worker, private readonly name: string, private readonly onDeath: (reason: string) => void = () => {}) {
    worker.unref();
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromEmbedderWorker) => {
        if (message.kind === 'ready') {
          // An unref() before the thread is online does not hold (Node 20): say it again now.
          if (this.pending.size === 0) worker.unref();
          this.dims = message.dims;
          const { kind: _kind, ...info } = message;
          resolve(info);
        } else if (message.kind === 'load-failed') {
          const code = (message.code in ErrorCodes ? message.code : 'MODEL_FAILED') as ErrorCode;
          reject(new PaperboyError(code, message.message));
        } else this.settle(message);
      });
      worker.on('error', (error) => this.fail(`the ${this.name} embedding thread failed: ${error.message}`, reject));
      worker.on('exit', (code) => this.fail(`the ${this.name} embedding thread exited (code ${code})`, reject));
    });
    // Whoever calls awaits `ready` and sees its error; a thread that dies unasked must not be an unhandled rejection.
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return !this.closed;
  }

  private settle(message: Extract<FromEmbedderWorker, { id: number }>) {
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.kind === 'failed') call.reject(new PaperboyError('MODEL_FAILED', `embedding failed: ${message.message}`));
    else {
      const all = new Float32Array(message.buffer);
      call.resolve(Array.from({ length: message.count }, (_, i) => all.slice(i * this.dims, (i + 1) * this.dims)));
    }
  }

  private fail(reason: string, rejectReady: (e: Error) => void) {
    rejectReady(new PaperboyError('MODEL_FAILED', reason));
    if (this.closed) return; // closed on purpose, or 'error' then 'exit' of one death
    this.closed = true;
    const error = new PaperboyError('MODEL_FAILED', `${reason}; the next request starts a new thread`);
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    this.onDeath(reason);
  }

  async call(message: EmbedRequest): Promise<Float32Array[]> {
    await this.ready;
    if (this.closed) throw new PaperboyError('MODEL_FAILED', `the ${this.name} embedding thread is closed`);
    const id = this.nextId++;
    // A request in flight keeps the process alive (an idle worker does not).
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } satisfies ToEmbedderWorker);
    });
  }

  /** Test hook: ends the thread, by terminate() or by an uncaught error inside it. */
  crash(how: 'terminate' | 'throw'): Promise<unknown> {
    this.worker.ref(); // an idle worker is unref'd: waiting for its exit must keep the process alive
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    if (how === 'terminate') void this.worker.terminate();
    else this.worker.postMessage({ kind: 'crash' } satisfies ToEmbedderWorker);
    return exited;
  }

  async close() {
    this.closed = true;
    for (const call of this.pending.values()) call.reject(new PaperboyError('MODEL_FAILED', `the ${this.name} embedding thread was closed`));
    this.pending.clear();
    await this.worker.terminate();
  }
}

/** A crash this long after the previous one starts the count of crashes in a row afresh. */
const CRASHES_IN_A_ROW_MS = 60_000;

/**
 * A lane whose thread is replaced when it dies: requests in flight fail with the reason, and the
 * next request starts a new thread, at once after a single crash; after crashes in a row it waits
 * `backoffMs`, doubling up to `maxBackoffMs`, and fails requests meanwhile (search then answers by
 * words, with a notice). Each crash is logged (`model.thread_crashed`).
 */
class RestartingLane {
  private current: Lane | null = null;
  private closed = false;
  private crashes = 0;
  private lastCrashAt = -Infinity;
  private restartAt = 0;

  constructor(
    private readonly name: string,
    private readonly start: (onDeath: (reason: string) => void) => Lane,
    private readonly policy: { backoffMs: number; maxBackoffMs: number; logger: Logger },
  ) {}

  /** The live thread, started (or restarted) now if there is none. */
  lane(): Lane {
    if (this.current?.alive) return this.current;
    if (this.closed) throw new PaperboyError('MODEL_FAILED', `the ${this.name} embedding thread is closed`);
    const wait = this.restartAt - performance.now();
    if (wait > 0) {
      throw new PaperboyError('MODEL_FAILED', `the ${this.name} embedding thread crashed ${this.crashes} times in a row; it starts again in ${Math.ceil(wait / 1000)} s (see the log)`);
    }
    const lane: Lane = this.start((reason) => this.died(lane, reason));
    this.current = lane;
    return lane;
  }

  /** The thread now running, if any (test hook). */
  get running(): Lane | null {
    return this.current?.alive ? this.current : null;
  }

  call(message: EmbedRequest): Promise<Float32Array[]> {
    return this.lane().call(message);
  }

  private died(lane: Lane, reason: string) {
    if (this.closed || lane !== this.current) return;
    const now = performance.now();
    this.crashes = now - this.lastCrashAt < CRASHES_IN_A_ROW_MS ? this.crashes + 1 : 1;
    this.lastCrashAt = now;
    const restartInMs = this.crashes <= 1 ? 0 : Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** (this.crashes - 2));
    this.restartAt = now + restartInMs;
    this.policy.logger.warn('model.thread_crashed', { lane: this.name, reason, crashes: this.crashes, restartInMs });
  }

  async close() {
    this.closed = true;
    await this.current?.close();
  }
}

/**
 * The embedding model in worker threads, so that inference (which ONNX Runtime runs synchronously)
 * never blocks the HTTP event loop. Queries and bulk documents have a thread each: a query never
 * waits behind a batch of documents, and the bulk thread pauses between batches while queries are
 * in flight. The bulk thread starts on the first `embedDocuments` call. A thread that dies is
 * replaced on the next call (see RestartingLane).
 */
export async function loadThreadedEmbedder(dir: string, options: ThreadedEmbedderOptions = {}): Promise<ThreadedEmbedder> {
  const batchSize = options.batchSize ?? 16;
  const inFlightBuffer = new SharedArrayBuffer(4);
  const inFlight = new Int32Array(inFlightBuffer);
  const policy = { backoffMs: options.restartBackoffMs ?? 1000, maxBackoffMs: Math.max(30_000, options.restartBackoffMs ?? 0), logger: options.logger ?? silentLogger };
  const lane = (name: string, data: EmbedderWorkerData) =>
    new RestartingLane(name, (onDeath) => new Lane(startModuleWorker(WORKER, { workerData: data }), name, onDeath), policy);
  const base = { dir, batchSize, ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}), ...(options.settings ? { settings: options.settings } : {}) };
  const queries = lane('query', { ...base, threads: options.queryThreads ?? 1 });
  // The bulk thread starts on the first embedDocuments call.
  const bulk = lane('bulk', { ...base, threads: options.bulkThreads ?? 1, queriesInFlight: inFlightBuffer });
  let info: { modelId: string; dims: number; minRelevance?: number; fusion?: ModelFusion };
  try {
    info = await queries.lane().ready;
  } catch (error) {
    await queries.close().catch(() => {});
    throw isPaperboyError(error) ? error : new PaperboyError('MODEL_FAILED', (error as Error).message);
  }

  const embedder: ThreadedEmbedder = {
    modelId: info.modelId,
    dims: info.dims,
    ...(info.minRelevance !== undefined ? { minRelevance: info.minRelevance } : {}),
    ...(info.fusion ? { fusion: info.fusion } : {}),
    async embedQuery(text) {
      Atomics.add(inFlight, 0, 1);
      try {
        return (await queries.call({ kind: 'query', text }))[0]!;
      } finally {
        Atomics.sub(inFlight, 0, 1);
        Atomics.notify(inFlight, 0);
      }
    },
    async embedDocuments(texts) {
      if (texts.length === 0) return [];
      return bulk.call({ kind: 'documents', texts: [...texts] });
    },
    async close() {
      await Promise.all([queries.close(), bulk.close()]);
    },
  };
  lanesOf.set(embedder, () => ({ query: queries.running, bulk: bulk.running }));
  return embedder;
}

const lanesOf = new WeakMap<ThreadedEmbedder, () => { query: Lane | null; bulk: Lane | null }>();

/** For tests only: what a crash of a model thread does, without a crashing model. */
export const testHooks = {
  /** Ends the current query or bulk thread of `embedder`; resolves once it has exited. */
  async crash(embedder: ThreadedEmbedder, lane: 'query' | 'bulk', how: 'terminate' | 'throw' = 'terminate'): Promise<void> {
    const current = lanesOf.get(embedder)?.()[lane];
    if (!current) throw new Error(`no ${lane} thread is running`);
    await current.crash(how);
  },
};
