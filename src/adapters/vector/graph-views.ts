import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import { newGraph } from './vector-graph.ts';

/** Graph hits: row numbers and inner-product distances (1 - cosine), best first. */
export interface GraphMatches {
  keys: ArrayLike<number | bigint>;
  distances: Float32Array;
}

/** A vector segment's HNSW graph, open for searching until closed. */
export interface GraphView {
  search(query: Float32Array, k: number): GraphMatches;
  close(): void;
}

/** How this thread opens graphs: mapped here, unless `useGraphThread` said otherwise. */
let opener: (path: string, dims: number, identity: string) => GraphView = (path, dims) => localGraphView(path, dims);

/** The graph file at `path` (its size and checksum in `identity`), mapped now (vector-files.ts). */
export function graphView(path: string, dims: number, identity: string): GraphView {
  return opener(path, dims, identity);
}

/** From now on this thread's graphs are mapped and searched by the process's graph thread, through `slot`. */
export function useGraphThread(channel: GraphChannel, slot: number, onFallback: (reason: string) => void): void {
  opener = remoteGraphViews(channel, slot, onFallback);
}

/** This thread maps the graph file itself (usearch `view`): a process with one searching thread. */
export function localGraphView(path: string, dims: number): GraphView {
  let graph: ReturnType<typeof newGraph> | null = newGraph(dims);
  graph.view(path);
  return {
    search: (query, k) => {
      if (!graph) throw new Error(`graph ${path}: searched after it was closed`);
      return graph.search(query, k, 1) as GraphMatches;
    },
    close: () => {
      graph = null;
    },
  };
}

/**
 * The graphs of a process whose worker threads all search them (`serve --workers N`): one thread
 * (graph-worker.ts) maps each graph file once and answers the others' searches, so that the file's
 * pages are mapped once per process rather than once per thread. Each mapping of a file counts in the
 * process's RSS (what `ps`, `top` and the OOM killer look at), though the page cache holds the pages
 * once either way; the graph is the largest thing a service touches (0.92 GB at 1M papers).
 *
 * Calls are synchronous, as calls to a graph mapped here are: the caller writes the request into its
 * own slot of shared memory, rings the doorbell and waits (Atomics.wait) for the answer. One slot per
 * worker thread (its worker index), so that concurrent callers never share one; a sequence number
 * tells an answer to this request from a late one to a request of a thread that died. A graph is
 * mapped when a generation naming it is opened (`open`) and kept while any worker holds it; the
 * main thread releases what a worker that exited held. A caller that gets no answer within
 * ANSWER_TIMEOUT_MS (the graph thread died) maps graphs itself from then on.
 */
export const MAX_K = 40_000;
const MAX_DIMS = 4096;
const MAX_KEY_BYTES = 4096;
export const ANSWER_TIMEOUT_MS = 10_000;

/** Slot layout (bytes): header Int32 x 16, key (path, NUL, identity), query, rows (Uint32), distances. */
const HEADER = 64;
const KEY_AT = HEADER;
const QUERY_AT = KEY_AT + MAX_KEY_BYTES;
const KEYS_AT = QUERY_AT + MAX_DIMS * 4;
const DISTANCES_AT = KEYS_AT + MAX_K * 4;
export const SLOT_BYTES = DISTANCES_AT + MAX_K * 4;

/** Header fields (Int32 index). */
export const STATE = 0;
export const OP = 1;
export const KEY_LENGTH = 2;
export const DIMS = 3;
export const K = 4;
export const FOUND = 5;
export const ERROR_LENGTH = 6;
export const SEQ = 7;
export const ANSWER_SEQ = 8;

/** States. */
export const IDLE = 0;
export const ASKED = 1;
export const ANSWERED = 2;
export const FAILED = 3;

/** Operations. */
export const OPEN = 1;
export const SEARCH = 2;
export const RELEASE = 3;
/** Everything the slot's worker held (it exited). */
export const RELEASE_SLOT = 4;

/** What a worker thread is given to reach the graph thread: the doorbell and every slot. */
export interface GraphChannel {
  /** Int32 x 1: incremented and notified by each caller. */
  doorbell: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
}

export function slotViews(buffer: SharedArrayBuffer) {
  return {
    header: new Int32Array(buffer, 0, HEADER / 4),
    key: new Uint8Array(buffer, KEY_AT, MAX_KEY_BYTES),
    query: new Float32Array(buffer, QUERY_AT, MAX_DIMS),
    rows: new Uint32Array(buffer, KEYS_AT, MAX_K),
    distances: new Float32Array(buffer, DISTANCES_AT, MAX_K),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Slot = ReturnType<typeof slotViews>;

/** One request through a slot: true when answered, false when the graph thread did not answer in time. */
function call(doorbell: Int32Array, slot: Slot, op: number, key: Uint8Array, timeoutMs: number, fill?: (slot: Slot) => void): boolean {
  const { header } = slot;
  slot.key.set(key);
  header[KEY_LENGTH] = key.length;
  header[OP] = op;
  fill?.(slot);
  const seq = (header[SEQ]! + 1) | 0;
  header[SEQ] = seq;
  Atomics.store(header, STATE, ASKED);
  Atomics.add(doorbell, 0, 1);
  Atomics.notify(doorbell, 0);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      Atomics.store(header, STATE, IDLE);
      return false;
    }
    if (Atomics.load(header, STATE) === ASKED) {
      Atomics.wait(header, STATE, ASKED, left);
      continue;
    }
    if (Atomics.load(header, ANSWER_SEQ) === seq) return true;
    // An answer to an earlier request (of a worker that died in this slot while asking): ask again.
    Atomics.store(header, STATE, ASKED);
    Atomics.add(doorbell, 0, 1);
    Atomics.notify(doorbell, 0);
  }
}

/** Starts the graph thread of a process with `slots` worker threads. */
export function startGraphThread(slots: number, onError: (error: Error) => void = () => {}): { channel: GraphChannel; releaseSlot: (slot: number) => void; stop: () => Promise<void> } {
  const channel: GraphChannel = { doorbell: new SharedArrayBuffer(4), slots: Array.from({ length: slots }, () => new SharedArrayBuffer(SLOT_BYTES)) };
  const worker: Worker = startModuleWorker(siblingModule(import.meta.url, 'graph-worker'), { workerData: channel });
  worker.unref();
  // Its death is not the process's: the workers map graphs themselves after their timeout.
  worker.on('error', onError);
  const doorbell = new Int32Array(channel.doorbell);
  return {
    channel,
    /** Releases what the worker of `slot` held (it exited); the slot is the main thread's meanwhile. */
    releaseSlot: (slot) => {
      call(doorbell, slotViews(channel.slots[slot]!), RELEASE_SLOT, new Uint8Array(0), 1000);
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

/** The caller's side: graphs the graph thread maps and searches, asked through slot `slot`. */
export function remoteGraphViews(channel: GraphChannel, slot: number, onFallback: (reason: string) => void, timeoutMs = ANSWER_TIMEOUT_MS): (path: string, dims: number, identity: string) => GraphView {
  const doorbell = new Int32Array(channel.doorbell);
  const views = slotViews(channel.slots[slot]!);
  let dead = false;
  const failed = () => {
    if (dead) return;
    dead = true;
    onFallback(`the graph thread did not answer within ${timeoutMs} ms`);
  };
  const errorOf = () => new Error(decoder.decode(views.key.slice(0, views.header[ERROR_LENGTH])));
  return (path, dims, identity) => {
    const key = encoder.encode(`${path}\u0000${identity}`);
    if (dead || key.length > MAX_KEY_BYTES || dims > MAX_DIMS) return localGraphView(path, dims);
    // Mapped now, while the generation that names the file is being opened (the file exists).
    if (!call(doorbell, views, OPEN, key, timeoutMs, (s) => { s.header[DIMS] = dims; })) {
      failed();
      return localGraphView(path, dims);
    }
    if (Atomics.load(views.header, STATE) === FAILED) throw errorOf();
    let local: GraphView | null = null;
    let open = true;
    return {
      search(query, k) {
        if (!open) throw new Error(`graph ${path}: searched after it was closed`);
        if (dead) return (local ??= localGraphView(path, dims)).search(query, k);
        const want = Math.min(k, MAX_K);
        const answered = call(doorbell, views, SEARCH, key, timeoutMs, (s) => {
          s.header[K] = want;
          s.query.set(query.subarray(0, dims));
        });
        if (!answered) {
          failed();
          return this.search(query, k);
        }
        if (Atomics.load(views.header, STATE) === FAILED) throw errorOf();
        const found = views.header[FOUND]!;
        return { keys: views.rows.slice(0, found), distances: views.distances.slice(0, found) };
      },
      close() {
        if (!open) return;
        open = false;
        local?.close();
        if (!dead && !call(doorbell, views, RELEASE, key, timeoutMs)) failed();
      },
    };
  };
}
