/**
 * The graph thread of a `serve` with several worker threads (graph-views.ts): maps each graph file
 * once, keeps it while any worker holds it, and answers the workers' searches through their slots. It
 * blocks on the doorbell (Atomics.wait) between requests.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { workerData } from 'node:worker_threads';
import type * as Usearch from 'usearch';
import { ANSWER_SEQ, ANSWERED, ASKED, DIMS, ERROR_LENGTH, FAILED, FOUND, K, KEY_LENGTH, OP, OPEN, RELEASE, RELEASE_SLOT, SEARCH, SEQ, STATE, slotViews, type GraphChannel } from './graph-views.ts';
import { newGraph } from './vector-graph.ts';

const channel = workerData as GraphChannel;
const doorbell = new Int32Array(channel.doorbell);
const slots = channel.slots.map(slotViews);
/** Key (path NUL size:crc) -> the mapped graph and how many views each slot holds of it. */
const graphs = new Map<string, { graph: Usearch.Index; holders: Map<number, number> }>();
const decoder = new TextDecoder();
const encoder = new TextEncoder();

// usearch has no close: a graph's mapping goes when its object is collected. This thread allocates
// little, so it collects now and then at best; after releasing a graph it asks for a collection.
let collect: (() => void) | null = null;
try {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
} catch {
  collect = null;
}

function drop(key: string): void {
  graphs.delete(key);
  collect?.();
}

function answer(index: number): void {
  const slot = slots[index]!;
  const { header } = slot;
  const seq = header[SEQ]!;
  try {
    const key = decoder.decode(slot.key.slice(0, header[KEY_LENGTH]));
    const op = header[OP];
    if (op === OPEN) {
      let entry = graphs.get(key);
      if (!entry) {
        const graph = newGraph(header[DIMS]!);
        graph.view(key.slice(0, key.indexOf('\u0000')));
        entry = { graph, holders: new Map() };
        graphs.set(key, entry);
      }
      entry.holders.set(index, (entry.holders.get(index) ?? 0) + 1);
    } else if (op === SEARCH) {
      const entry = graphs.get(key);
      if (!entry) throw new Error(`${key.slice(0, key.indexOf('\u0000'))} is not open`);
      const dims = entry.graph.dimensions();
      const matches = entry.graph.search(slot.query.slice(0, dims), header[K]!, 1) as { keys: BigUint64Array; distances: Float32Array };
      const found = matches.keys.length;
      for (let i = 0; i < found; i++) slot.rows[i] = Number(matches.keys[i]);
      slot.distances.set(matches.distances.subarray(0, found));
      header[FOUND] = found;
    } else if (op === RELEASE) {
      const entry = graphs.get(key);
      const held = entry?.holders.get(index) ?? 0;
      if (entry && held > 1) entry.holders.set(index, held - 1);
      else if (entry) {
        entry.holders.delete(index);
        if (entry.holders.size === 0) drop(key);
      }
    } else if (op === RELEASE_SLOT) {
      for (const [k, entry] of graphs) {
        entry.holders.delete(index);
        if (entry.holders.size === 0) drop(k);
      }
    }
    header[ANSWER_SEQ] = seq;
    Atomics.store(header, STATE, ANSWERED);
  } catch (error) {
    const message = encoder.encode(`graph search failed: ${(error as Error).message}`.slice(0, 1000));
    slot.key.set(message);
    header[ERROR_LENGTH] = message.length;
    header[ANSWER_SEQ] = seq;
    Atomics.store(header, STATE, FAILED);
  }
  Atomics.notify(header, STATE);
}

// A ring between reading `seen` and waiting changes the doorbell, so the wait returns at once.
for (let seen = Atomics.load(doorbell, 0); ; seen = Atomics.load(doorbell, 0)) {
  for (let i = 0; i < slots.length; i++) if (Atomics.load(slots[i]!.header, STATE) === ASKED) answer(i);
  Atomics.wait(doorbell, 0, seen);
}
