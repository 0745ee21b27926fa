/**
 * The thread side of `threaded-embedder.ts`: loads the model with ONNX Runtime and answers embedding
 * requests one at a time. A bulk worker yields to queries: before each batch it waits while the
 * shared counter says queries are in flight on the query worker (both share the same cores).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelSettings } from '../../config/models.ts';
import type { ModelFusion } from '../../ports/embedder.ts';
import { loadOnnxEmbedder } from './onnx-embedder.ts';

export interface EmbedderWorkerData {
  dir: string;
  threads: number;
  batchSize: number;
  tokenBudget?: number;
  maxTokens?: number;
  settings?: ModelSettings;
  /** Int32 counter of queries in flight; a bulk worker waits for it to reach 0 between batches. */
  queriesInFlight?: SharedArrayBuffer;
}

export type EmbedRequest = { kind: 'query'; text: string } | { kind: 'documents'; texts: string[] };
export type ToEmbedderWorker = (EmbedRequest & { id: number }) | { kind: 'crash' };
export type FromEmbedderWorker =
  | { kind: 'ready'; modelId: string; dims: number; minRelevance?: number; fusion?: ModelFusion }
  | { kind: 'load-failed'; code: string; message: string }
  | { id: number; kind: 'vectors'; buffer: ArrayBuffer; count: number }
  | { id: number; kind: 'failed'; message: string };

/** Longest a bulk batch waits for queries before it runs anyway (so a query flood cannot starve it). */
const MAX_YIELD_MS = 2000;

const data = workerData as EmbedderWorkerData;
const port = parentPort!;
const inFlight = data.queriesInFlight ? new Int32Array(data.queriesInFlight) : null;

function yieldToQueries(): void {
  if (!inFlight) return;
  const until = Date.now() + MAX_YIELD_MS;
  for (let pending = Atomics.load(inFlight, 0); pending > 0 && Date.now() < until; pending = Atomics.load(inFlight, 0)) {
    Atomics.wait(inFlight, 0, pending, 20);
  }
}

/** Vectors packed into one transferable buffer, in the order of the texts. */
function pack(vectors: Float32Array[], dims: number): ArrayBuffer {
  const out = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => out.set(v, i * dims));
  return out.buffer;
}

try {
  const embedder = await loadOnnxEmbedder(data.dir, {
    threads: data.threads, batchSize: data.batchSize, ...(data.tokenBudget !== undefined ? { tokenBudget: data.tokenBudget } : {}),
    ...(data.maxTokens !== undefined ? { maxTokens: data.maxTokens } : {}), ...(data.settings ? { settings: data.settings } : {}),
  });
  port.postMessage({
    kind: 'ready', modelId: embedder.modelId, dims: embedder.dims,
    ...(embedder.minRelevance !== undefined ? { minRelevance: embedder.minRelevance } : {}), ...(embedder.fusion ? { fusion: embedder.fusion } : {}),
  } satisfies FromEmbedderWorker);
  port.on('message', async (message: ToEmbedderWorker) => {
    // Test hook (testHooks.crash in threaded-embedder.ts): an uncaught error, as a native fault would be.
    if (message.kind === 'crash') setImmediate(() => { throw new Error('crash requested by a test'); });
    if (!('id' in message)) return;
    try {
      let vectors: Float32Array[];
      if (message.kind === 'query') vectors = [await embedder.embedQuery(message.text)];
      else {
        // Similar token counts batch together (little padding); queries go first between batches.
        const encoded = embedder.encode(message.texts);
        vectors = new Array<Float32Array>(message.texts.length);
        for (const batch of embedder.batches(encoded)) {
          yieldToQueries();
          const out = await embedder.embedEncoded(batch.map((i) => encoded[i]!));
          batch.forEach((i, k) => (vectors[i] = out[k]!));
        }
      }
      const buffer = pack(vectors, embedder.dims);
      port.postMessage({ id: message.id, kind: 'vectors', buffer, count: vectors.length } satisfies FromEmbedderWorker, [buffer]);
    } catch (error) {
      port.postMessage({ id: message.id, kind: 'failed', message: (error as Error).message } satisfies FromEmbedderWorker);
    }
  });
} catch (error) {
  const e = error as Error & { code?: string };
  port.postMessage({ kind: 'load-failed', code: e.code ?? 'INTERNAL', message: e.message } satisfies FromEmbedderWorker);
}
