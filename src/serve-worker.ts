/**
 * Entry point of a worker thread of `serve --workers N` (compose/serve-threads.ts): composes the
 * services as a process alone would, with the role the main thread gave it (PAPERBOY_WORKER_INDEX in
 * its environment), shares the index's memory with its sibling threads, and answers the requests the
 * main thread hands over. On `stop` it stops serving, closes its services and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { shareWithSiblingThreads } from './adapters/index-files/thread-share.ts';
import { useGraphThread } from './adapters/vector/graph-views.ts';
import type { FromWorker, ServeWorkerData, ToWorker } from './compose/serve-threads.ts';
import { listenToMainThread } from './compose/thread-peers.ts';
import { describeError } from './core/errors.ts';
import { openServices } from './main.ts';

const port = parentPort!;
const data = workerData as ServeWorkerData;
listenToMainThread();
// Before the index is opened: its directory decides at construction whether it shares.
shareWithSiblingThreads();
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
starting.catch((error: unknown) => {
  post({ type: 'failed', message: describeError(error) });
  process.exit(1);
});

async function answer(message: Extract<ToWorker, { type: 'request' }>): Promise<void> {
  let response: Response;
  try {
    const { server } = await starting;
    const init: RequestInit = { method: message.method, headers: message.headers };
    if (message.body) init.body = message.body;
    // The client's address, where the app reads it from (http/security.ts: rate limits, proxies).
    response = await server.fetch(new Request(message.url, init), { incoming: { socket: { remoteAddress: message.remoteAddress ?? undefined } } });
  } catch (error) {
    process.stderr.write(`paperboy: worker request failed: ${describeError(error)}\n`);
    response = new Response('internal error', { status: 500 });
  }
  const body = new Uint8Array(await response.arrayBuffer());
  post({ type: 'response', id: message.id, status: response.status, headers: [...response.headers], body }, [body.buffer]);
}

let stopped = false;
async function stop(): Promise<void> {
  if (stopped) return;
  stopped = true;
  const started = await starting.catch(() => null);
  if (!started) return;
  const { services, server } = started;
  try {
    await server.stop();
  } finally {
    await services.close();
  }
  process.exit(0);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'request') void answer(message);
  else if (message.type === 'stop') void stop();
});
