/**
 * `serve --workers N`: one process, N worker threads (serve-worker.ts), each composing the whole
 * service as a process alone would; worker 0 leads (worker-role.ts). The main thread listens and hands
 * every request to the worker with the fewest requests in flight, over its message port, and the
 * answer back; it also supervises the workers: a worker that exits is started again, SIGINT/SIGTERM
 * stop them all gracefully.
 *
 * Threads rather than processes, so that the workers share one copy of what the index holds in
 * memory (doc tables, dictionaries, kept postings, int8 vector copies:
 * adapters/index-files/thread-share.ts) and one page-table mapping per process is all the machine
 * holds; Node 20 cannot hand threads a listening socket of their own (one shared listening fd works
 * until a thread exits and closes it for all), hence the hand-over.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Worker } from 'node:worker_threads';
import { releaseLocksOfThisProcess } from '../adapters/index-files/writer-lock.ts';
import { startGraphThread, type GraphChannel } from '../adapters/vector/graph-views.ts';
import { startModuleWorker } from '../adapters/worker-boot.ts';

/** Global CLI options a worker opens its services with (the same as the command's). */
export interface WorkerGlobals {
  data?: string;
  config?: string;
  model?: string;
}

/** What a worker thread starts with (serve-worker.ts). */
export interface ServeWorkerData {
  globals: WorkerGlobals;
  host: string;
  /** The port the main thread listens on (for the public URL). */
  port: number;
  /** The process's graph thread (adapters/vector/graph-views.ts) and this worker's slot there. */
  graphs: GraphChannel;
  slot: number;
}

/** Main thread -> worker. */
export type ToWorker =
  | { type: 'request'; id: number; method: string; url: string; headers: [string, string][]; body: Uint8Array | null; remoteAddress: string | null }
  | { type: 'stop' }
  | { type: 'allReady' }
  | { type: 'leaderIndexOpened' };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'response'; id: number; status: number; headers: [string, string][]; body: Uint8Array }
  | { type: 'failed'; message: string }
  /** Composed: it answers requests. */
  | { type: 'started' }
  /** Its index is open: it answers searches without waiting (thread-peers.ts). */
  | { type: 'index-open' }
  | { type: 'ready' }
  /** The leader's index is open and read ahead. */
  | { type: 'leader-read-ahead' };

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * The most body bytes the main thread reads before handing a request over: far above any route's own
 * limit (64 KiB forms, the uploads' few hundred KiB: http/create-app.ts answers those with its 413),
 * so that no client makes the main thread buffer an unbounded body.
 */
export const MAX_HANDED_BODY_BYTES = 8 << 20;

/** The request's body, or null when it is larger than `max` bytes (the rest is not read). */
async function boundedBody(request: IncomingMessage, max: number): Promise<Uint8Array | null> {
  if (Number(request.headers['content-length'] ?? 0) > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

/** Writes a worker's answer (or the main thread's own) to the client. */
function writeAnswer(request: IncomingMessage, response: ServerResponse, status: number, headers: [string, string][], body: Uint8Array): void {
  const raw: string[] = [];
  let length = false;
  for (const [name, value] of headers) {
    raw.push(name, value);
    if (name === 'content-length') length = true;
  }
  const empty = NULL_BODY.has(status) || request.method === 'HEAD';
  if (!length && !NULL_BODY.has(status)) raw.push('content-length', String(body.byteLength));
  response.writeHead(status, raw);
  response.end(empty ? undefined : body);
}

/** What a worker answered. */
interface Answer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

const text = (status: number, message: string, headers: [string, string][] = []): Answer => ({ status, headers: [['content-type', 'text/plain; charset=utf-8'], ...headers], body: Buffer.from(message) });

interface Thread {
  index: number;
  worker: Worker;
  pending: Map<number, (answer: Answer) => void>;
  /** 0 starting, 1 composed, 2 index open. */
  stage: number;
  exited: boolean;
}

/** Methods a fetch Request cannot carry (the worker could not rebuild the request). */
const NOT_HANDED = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** How long a worker told to stop may take (its in-flight requests, the leader's index write) before it is terminated. */
export const STOP_WAIT_MS = 60_000;

export interface SuperviseOptions {
  workers: number;
  globals: WorkerGlobals;
  host: string;
  port: number;
  /** The index folder: a writer lock the leader held when it exited is released before it is started again. */
  indexDir: string;
  stderr: { write(text: string): unknown };
  untilSignal(): Promise<string>;
  readyLine(ms: number): string;
}

export async function superviseThreads(options: SuperviseOptions): Promise<void> {
  const { workers, stderr } = options;
  const threads: Thread[] = [];
  let stopping = false;
  let nextId = 1;
  let turn = 0;
  const started = performance.now();
  // One thread maps the vector graphs for all workers (adapters/vector/graph-views.ts).
  const graphs = startGraphThread(workers, (error) => stderr.write(`paperboy: the graph thread failed: ${error.stack ?? error.message}; workers map the graphs themselves\n`));
  const ready = new Set<number>();
  let readyAnnounced = false;
  let leaderIndexOpened = false;

  // Of the live workers furthest along (index open, else composed, else starting), the one with the
  // fewest requests in flight; ties go round. None once stopping.
  const pick = (): Thread | null => {
    let best: Thread | null = null;
    for (let i = 0; i < threads.length && !stopping; i++) {
      const t = threads[(turn + i) % threads.length]!;
      if (t.exited) continue;
      if (!best || t.stage > best.stage || (t.stage === best.stage && t.pending.size < best.pending.size)) best = t;
    }
    turn = (turn + 1) % Math.max(1, threads.length);
    return best;
  };
  // Plain node:http here: the main thread only moves bytes (the worker builds the fetch Request its
  // app answers), which keeps its share of each request small.
  const handOver = async (request: IncomingMessage): Promise<Answer> => {
    const method = request.method ?? 'GET';
    if (NOT_HANDED.has(method)) return text(405, 'method not allowed');
    let url: string;
    try {
      // As @hono/node-server builds it (the app sees the same URL as with `serve` alone).
      url = new URL(request.url ?? '/', `http://${request.headers.host ?? `${options.host}:${bound}`}`).href;
    } catch {
      return text(400, 'bad request: invalid host header or request target');
    }
    const body = method === 'GET' || method === 'HEAD' ? null : await boundedBody(request, MAX_HANDED_BODY_BYTES);
    if (body === null && method !== 'GET' && method !== 'HEAD') {
      return { status: 413, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `request body larger than ${MAX_HANDED_BODY_BYTES} bytes` } })) };
    }
    // Picked after the body is read, so that the worker is known to be alive when it is handed the request.
    const thread = pick();
    if (!thread) return text(503, 'no worker is running', [['retry-after', '1'], ['connection', 'close']]);
    const headers: [string, string][] = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) headers.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
    const id = nextId++;
    return new Promise<Answer>((resolve) => {
      thread.pending.set(id, resolve);
      const message: ToWorker = { type: 'request', id, method, url, headers, body, remoteAddress: request.socket.remoteAddress ?? null };
      thread.worker.postMessage(message, body ? [body.buffer as ArrayBuffer] : []);
    });
  };

  const server = createServer((request, response) => {
    handOver(request).then(
      (answer) => writeAnswer(request, response, answer.status, answer.headers, answer.body),
      (error: unknown) => {
        stderr.write(`paperboy: handing a request over failed: ${(error as Error).message}\n`);
        if (!response.headersSent) writeAnswer(request, response, 500, [['content-type', 'text/plain; charset=utf-8']], Buffer.from('internal error'));
        else response.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${bound}`;
  stderr.write(`paperboy listening on ${url} (${workers} workers); Ctrl-C to stop\n`);

  const send = (thread: Thread, message: ToWorker) => {
    if (!thread.exited) thread.worker.postMessage(message);
  };
  const start = (index: number) => {
    // A replacement in an instance that was ready reports ready at once (compose/readiness.ts): its
    // siblings serve while it warms up, so the instance does not drop out of the balancer.
    const env = { ...process.env, PAPERBOY_WORKER_INDEX: String(index), ...(readyAnnounced ? { PAPERBOY_WORKER_REPLACEMENT: '1' } : {}) };
    const data: ServeWorkerData = { globals: options.globals, host: options.host, port: bound, graphs: graphs.channel, slot: index };
    const worker = startModuleWorker(new URL(`../serve-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), { workerData: data, env });
    const thread: Thread = { index, worker, pending: new Map(), stage: 0, exited: false };
    threads[index] = thread;
    if (leaderIndexOpened && index !== 0) send(thread, { type: 'leaderIndexOpened' });
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'response') {
        const resolve = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        resolve?.({ status: message.status, headers: message.headers, body: message.body });
      } else if (message.type === 'started') {
        thread.stage = Math.max(thread.stage, 1);
      } else if (message.type === 'index-open') {
        thread.stage = 2;
      } else if (message.type === 'failed') {
        stderr.write(`paperboy: worker ${index} failed to start: ${message.message}\n`);
      } else if (message.type === 'leader-read-ahead') {
        leaderIndexOpened = true;
        for (const t of threads) if (t !== thread) send(t, { type: 'leaderIndexOpened' });
      } else if (message.type === 'ready') {
        ready.add(index);
        if (ready.size < workers) return;
        for (const t of threads) send(t, { type: 'allReady' });
        if (!readyAnnounced) {
          readyAnnounced = true;
          stderr.write(`${options.readyLine(performance.now() - started)} (${workers} workers)\n`);
        }
      }
    });
    worker.on('error', (error) => stderr.write(`paperboy: worker ${index}: ${error.stack ?? error.message}\n`));
    worker.on('exit', (code) => {
      thread.exited = true;
      ready.delete(index);
      // Requests it held get an answer: the client may retry.
      for (const resolve of thread.pending.values()) resolve(text(503, 'worker exited', [['retry-after', '1']]));
      thread.pending.clear();
      // What it held of the graphs; the index writer lock, if it was the leader (its writer died with it).
      graphs.releaseSlot(index);
      if (index === 0 && releaseLocksOfThisProcess(options.indexDir)) stderr.write(`paperboy: released the index writer lock worker 0 held\n`);
      if (stopping) return;
      stderr.write(`paperboy: worker ${index} exited (${code}); starting another\n`);
      setTimeout(() => { if (!stopping) start(index); }, 1000);
    });
  };
  for (let i = 0; i < workers; i++) start(i);

  const signal = await options.untilSignal();
  stopping = true;
  stderr.write(`${signal}: shutting down ${workers} workers\n`);
  // No new connections; those open are answered until the workers have stopped.
  const closed = new Promise<void>((done) => server.close(() => done()));
  await Promise.all(threads.map((t) => new Promise<void>((resolve) => {
    if (t.exited) return resolve();
    const timer = setTimeout(() => void t.worker.terminate(), STOP_WAIT_MS);
    t.worker.once('exit', () => { clearTimeout(timer); resolve(); });
    send(t, { type: 'stop' });
  })));
  server.closeAllConnections();
  await closed;
  await graphs.stop();
}
