import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../worker-boot.ts';
import { newGraph } from './vector-graph.ts';

/** Graph hits: row numbers and inner-product distances (1 - cosine), best first. */
export interface GraphMatches {
  keys: ArrayLike<number | bigint>;
  distances: Float32Array;
}

/** A vector segment's HNSW graph, searched. */
export interface GraphView {
  search(query: Float32Array, k: number): GraphMatches;
}

/** How this thread opens graphs: mapped here, unless `useGraphThread` said otherwise. */
let opener: (path: string, dims: number) => GraphView = (path, dims) => localGraphView(path, dims);

/** A view of the graph file at `path` (vector-files.ts). */
export function graphView(path: string, dims: number): GraphView {
  return opener(path, dims);
}

/** From now on this thread's graph searches go to the process's graph thread, through `slot`. */
export function useGraphThread(channel: GraphChannel, slot: number, onFallback: (reason: string) => void): void {
  opener = remoteGraphViews(channel, slot, onFallback, ANSWER_TIMEOUT_MS);
}

/** This thread maps the graph file itself (usearch `view`): a process with one searching thread. */
export function localGraphView(path: string, dims: number): GraphView {
  const graph = newGraph(dims);
  graph.view(path);
  return { search: (query, k) => graph.search(query, k, 1) as GraphMatches };
}

/**
 * The graphs of a process whose worker threads all search them (`serve --workers N`): one thread
 * (graph-worker.ts) maps each graph file once and answers the others' searches, so that the file's
 * pages are mapped once per process rather than once per thread (each mapping counts in the RSS, and
 * a graph is the largest thing a service touches: 0.92 GB at 1M papers).
 *
 * A search is a synchronous call, as a search of a graph mapped here is: the caller writes the query
 * into its own slot of shared memory, rings, and waits (Atomics.wait) for the answer. One slot per
 * worker thread (its worker index), so that concurrent callers never share one. A caller that gets no
 * answer within ANSWER_TIMEOUT_MS (the graph thread died) maps the graph itself from then on.
 */
export const MAX_K = 40_000;
const MAX_DIMS = 4096;
const MAX_PATH_BYTES = 4096;
export const ANSWER_TIMEOUT_MS = 10_000;

/** Slot layout (bytes): header Int32 x 8, path, query, keys (Uint32), distances (Float32). */
const HEADER = 32;
const PATH_AT = HEADER;
const QUERY_AT = PATH_AT + MAX_PATH_BYTES;
const KEYS_AT = QUERY_AT + MAX_DIMS * 4;
const DISTANCES_AT = KEYS_AT + MAX_K * 4;
export const SLOT_BYTES = DISTANCES_AT + MAX_K * 4;

/** Header fields (Int32 index). */
export const STATE = 0;
export const PATH_LENGTH = 1;
export const DIMS = 2;
export const K = 3;
export const FOUND = 4;
export const ERROR_LENGTH = 5;

export const IDLE = 0;
export const ASKED = 1;
export const ANSWERED = 2;
export const FAILED = 3;

/** What a worker thread is given to reach the graph thread: the doorbell and every slot. */
export interface GraphChannel {
  /** Int32 x 1: incremented and notified by each caller. */
  doorbell: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
}

export function slotViews(buffer: SharedArrayBuffer) {
  return {
    header: new Int32Array(buffer, 0, HEADER / 4),
    path: new Uint8Array(buffer, PATH_AT, MAX_PATH_BYTES),
    query: new Float32Array(buffer, QUERY_AT, MAX_DIMS),
    keys: new Uint32Array(buffer, KEYS_AT, MAX_K),
    distances: new Float32Array(buffer, DISTANCES_AT, MAX_K),
  };
}

/** Starts the graph thread of a process with `slots` worker threads; `stop` ends it. */
export function startGraphThread(slots: number): { channel: GraphChannel; stop: () => Promise<void> } {
  const channel: GraphChannel = { doorbell: new SharedArrayBuffer(4), slots: Array.from({ length: slots }, () => new SharedArrayBuffer(SLOT_BYTES)) };
  const worker: Worker = startModuleWorker(siblingModule(import.meta.url, 'graph-worker'), { workerData: channel });
  worker.unref();
  return {
    channel,
    stop: async () => {
      await worker.terminate();
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The caller's side: graph views whose searches the graph thread answers, through slot `slot`. */
export function remoteGraphViews(channel: GraphChannel, slot: number, onFallback: (reason: string) => void, timeoutMs = ANSWER_TIMEOUT_MS): (path: string, dims: number) => GraphView {
  const doorbell = new Int32Array(channel.doorbell);
  const views = slotViews(channel.slots[slot]!);
  let dead = false;
  return (path, dims) => {
    let local: GraphView | null = null;
    const pathBytes = encoder.encode(path);
    if (pathBytes.length > MAX_PATH_BYTES || dims > MAX_DIMS) return localGraphView(path, dims);
    return {
      search(query, k) {
        if (dead) return (local ??= localGraphView(path, dims)).search(query, k);
        const { header } = views;
        const want = Math.min(k, MAX_K);
        views.path.set(pathBytes);
        header[PATH_LENGTH] = pathBytes.length;
        header[DIMS] = dims;
        header[K] = want;
        views.query.set(query.subarray(0, dims));
        Atomics.store(header, STATE, ASKED);
        Atomics.add(doorbell, 0, 1);
        Atomics.notify(doorbell, 0);
        if (Atomics.wait(header, STATE, ASKED, timeoutMs) === 'timed-out') {
          dead = true;
          Atomics.store(header, STATE, IDLE);
          onFallback(`the graph thread did not answer within ${timeoutMs} ms`);
          return this.search(query, k);
        }
        const state = Atomics.load(header, STATE);
        Atomics.store(header, STATE, IDLE);
        if (state === FAILED) throw new Error(decoder.decode(views.path.slice(0, header[ERROR_LENGTH]!)));
        const found = header[FOUND]!;
        return { keys: views.keys.slice(0, found), distances: views.distances.slice(0, found) };
      },
    };
  };
}
