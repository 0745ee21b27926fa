/**
 * Entry point of a worker thread of `serve --workers N` (compose/serve-threads.ts): composes the
 * services as a process alone would, with the role the main thread gave it (PAPERBOY_WORKER_INDEX in
 * its environment), shares the index's memory with its sibling threads, and answers the requests the
 * main thread hands over. On `stop` it finishes the requests it holds, stops serving, closes its
 * services and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { shareWithSiblingThreads } from './adapters/index-files/thread-share.ts';
import { useGraphThread } from './adapters/vector/graph-views.ts';
import { STARTING_WAIT_MS } from './compose/serve-loop.ts';
import type { FromWorker, ServeWorkerData, ToWorker } from './compose/serve-threads.ts';
import { listenToMainThread } from './compose/thread-peers.ts';
import { describeError } from './core/errors.ts';
import { openServices } from './main.ts';

/** How long a worker told to stop waits for the requests it holds. */
const DRAIN_MS = 10_000;

const port = parentPort!;
const data = workerData as ServeWorkerData;
listenToMainThread();
// Before the index is opened: its directory decides at construction whether it shares.
shareWithSiblingThreads(data.slot);
useGraphThread(data.graphs, data.slot, (reason) => process.stderr.write(`paperboy: worker ${data.slot}: ${reason}; mapping the vector graphs itself\n`));

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const starting = (async () => {
  const services = await openServices(data.globals, 'service');
  try {
    return { services, server: await services.serve({ host: data.host, handedOver: { port: data.port } }) };
  } catch (error) {
    await services.close();
    throw error;
  }
})();
starting.then(() => post({ type: 'started' }), (error: unknown) => {
  post({ type: 'failed', message: describeError(error) });
  process.exit(1);
});

const inFlight = new Set<Promise<void>>();

/** Once composed (no timer per request from then on). */
let ready: Awaited<typeof starting> | null = null;
void starting.then((s) => (ready = s), () => undefined);

async function respond(message: Extract<ToWorker, { type: 'request' }>): Promise<Response> {
  let timer: NodeJS.Timeout | undefined;
  const composed = ready ?? (await Promise.race([starting, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STARTING_WAIT_MS)))]).finally(() => clearTimeout(timer)));
  if (!composed) return new Response('starting', { status: 503, headers: { 'retry-after': '1' } });
  const init: RequestInit = { method: message.method, headers: message.headers };
  if (message.body) init.body = message.body;
  // The client's address, where the app reads it from (http/security.ts: rate limits, proxies).
  return composed.server.fetch(new Request(message.url, init), { incoming: { socket: { remoteAddress: message.remoteAddress ?? undefined } } });
}

async function answer(message: Extract<ToWorker, { type: 'request' }>): Promise<void> {
  let status = 500;
  let headers: [string, string][] = [];
  let body = new Uint8Array(0);
  try {
    const response = await respond(message);
    body = new Uint8Array(await response.arrayBuffer());
    status = response.status;
    headers = [...response.headers];
  } catch (error) {
    process.stderr.write(`paperboy: worker ${data.slot}: request failed: ${describeError(error)}\n`);
    body = new TextEncoder().encode('internal error');
    headers = [['content-type', 'text/plain; charset=utf-8']];
  }
  post({ type: 'response', id: message.id, status, headers, body }, [body.buffer as ArrayBuffer]);
}

let stopped = false;
async function stop(): Promise<void> {
  if (stopped) return;
  stopped = true;
  const started = await starting.catch(() => null);
  if (!started) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]).finally(() => clearTimeout(timer));
  const { services, server } = started;
  try {
    await server.stop();
  } finally {
    await services.close();
  }
  process.exit(0);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'request') {
    const done = answer(message);
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  } else if (message.type === 'stop') void stop();
});
