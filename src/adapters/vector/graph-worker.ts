/**
 * The graph thread of a `serve` with several worker threads (graph-views.ts): maps each graph file
 * once and answers the searches the worker threads ask through their slots. It blocks on the doorbell
 * (Atomics.wait) between requests, waking every few seconds to drop the views of graph files that
 * were deleted (merged-away segments).
 */
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type * as Usearch from 'usearch';
import { ANSWERED, DIMS, ERROR_LENGTH, FAILED, FOUND, K, PATH_LENGTH, ASKED, STATE, slotViews, type GraphChannel } from './graph-views.ts';
import { newGraph } from './vector-graph.ts';

const channel = workerData as GraphChannel;
const doorbell = new Int32Array(channel.doorbell);
const slots = channel.slots.map(slotViews);
const views = new Map<string, Usearch.Index>();
const decoder = new TextDecoder();
const encoder = new TextEncoder();
let checked = Date.now();

function answer(slot: ReturnType<typeof slotViews>): void {
  const { header } = slot;
  try {
    const path = decoder.decode(slot.path.slice(0, header[PATH_LENGTH]));
    const dims = header[DIMS]!;
    let graph = views.get(path);
    if (!graph) {
      graph = newGraph(dims);
      graph.view(path);
      views.set(path, graph);
    }
    const matches = graph.search(slot.query.slice(0, dims), header[K]!, 1) as { keys: BigUint64Array; distances: Float32Array };
    const found = matches.keys.length;
    for (let i = 0; i < found; i++) slot.keys[i] = Number(matches.keys[i]);
    slot.distances.set(matches.distances.subarray(0, found));
    header[FOUND] = found;
    Atomics.store(header, STATE, ANSWERED);
  } catch (error) {
    const message = encoder.encode(`graph search failed: ${(error as Error).message}`.slice(0, 1000));
    slot.path.set(message);
    header[ERROR_LENGTH] = message.length;
    Atomics.store(header, STATE, FAILED);
  }
  Atomics.notify(header, STATE);
}

// A ring between reading `seen` and waiting changes the doorbell, so the wait returns at once.
for (let seen = Atomics.load(doorbell, 0); ; seen = Atomics.load(doorbell, 0)) {
  for (const slot of slots) if (Atomics.load(slot.header, STATE) === ASKED) answer(slot);
  Atomics.wait(doorbell, 0, seen, 5000);
  if (Date.now() - checked > 5000) {
    checked = Date.now();
    for (const path of views.keys()) if (!existsSync(path)) views.delete(path);
  }
}
