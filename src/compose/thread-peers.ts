/**
 * A `serve --workers N` worker is a thread of one process (serve-threads.ts); these are its
 * messages with the main thread, which accepts the connections and supervises the workers:
 *
 * - ready: this worker's own start-up parts settled; the main thread answers `allReady` once every
 *   worker has, so that no worker reports ready while a sibling would still hold up requests;
 * - index-open: this worker's index is open (the main thread hands it requests before the others');
 * - leader-read-ahead: the leader (worker 0) opened the index and read it ahead; the main thread tells
 *   the other workers (`leaderIndexOpened`), which open theirs only then, so that they find the
 *   leader's doc tables, dictionaries, postings and int8 copies to share instead of reading their
 *   own (adapters/index-files/thread-share.ts).
 *
 * Outside such a thread (a process alone) there is nobody to wait for.
 */
import { isMainThread, parentPort, type MessagePort } from 'node:worker_threads';

type Signal = 'allReady' | 'leaderIndexOpened';

/** The main thread's signals, remembered: one may arrive before anyone waits for it. */
let peers: { port: MessagePort; seen: Set<Signal>; waiters: Map<Signal, (() => void)[]> } | null = null;

/**
 * Called first thing by a worker thread of `serve` (serve-worker.ts); until then (and in a process
 * alone) there is nobody to wait for.
 */
export function listenToMainThread(): void {
  if (isMainThread || !parentPort || peers) return;
  const state = { port: parentPort, seen: new Set<Signal>(), waiters: new Map<Signal, (() => void)[]>() };
  parentPort.on('message', (message: { type?: string } | null) => {
    const type = message?.type;
    if (type !== 'allReady' && type !== 'leaderIndexOpened') return;
    state.seen.add(type);
    for (const resolve of state.waiters.get(type) ?? []) resolve();
    state.waiters.delete(type);
  });
  peers = state;
}

function until(signal: Signal): Promise<void> {
  const state = peers;
  if (!state || state.seen.has(signal)) return Promise.resolve();
  return new Promise((resolve) => state.waiters.set(signal, [...(state.waiters.get(signal) ?? []), resolve]));
}

/** Resolves once this worker's parts and every sibling's have settled. */
export function everyWorkerReady(own: Promise<unknown>): Promise<void> {
  const state = peers;
  if (!state) return own.then(() => undefined, () => undefined);
  const tell = () => state.port.postMessage({ type: 'ready' });
  own.then(tell, tell);
  return until('allReady');
}

/** Tells the main thread that this worker's index is open: it answers searches without waiting. */
export function tellIndexOpen(): void {
  peers?.port.postMessage({ type: 'index-open' });
}

/** The leader: tells the main thread its index is open and read ahead (or failed to). */
export function tellLeaderReadAhead(): void {
  peers?.port.postMessage({ type: 'leader-read-ahead' });
}

/** A follower: resolves when the leader's index is open, or after `timeoutMs` whatever happened. */
export function leaderIndexOpened(timeoutMs: number): Promise<void> {
  if (!peers) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([until('leaderIndexOpened'), new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]).finally(() => clearTimeout(timer));
}
