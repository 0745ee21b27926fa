import cluster from 'node:cluster';
import { Command } from 'commander';
import { port, positiveInt } from '../args.ts';
import type { CliContext, CliServices, GlobalOptions } from '../context.ts';
import { summarise } from './import.ts';

interface ServeOptions {
  host?: string;
  port?: number;
  workers?: number;
}

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('start the HTTP service (default http://127.0.0.1:3000) on the data directory')
    .option('--host <host>', 'address to bind (default from config: 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default from config: 3000)', port)
    .option('--workers <n>', 'processes sharing the port, one per core for throughput (default: PAPERBOY_WORKERS or 1)', positiveInt)
    .action(async (opts: ServeOptions, cmd: Command) => {
      const workers = opts.workers ?? (process.env.PAPERBOY_WORKERS ? positiveInt(process.env.PAPERBOY_WORKERS) : 1);
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (workers > 1 && cluster.isPrimary) {
        // The primary fills an empty database once, before the workers open it.
        const services = await ctx.openServices(globals, 'service');
        try {
          await importStarterIfEmpty(ctx, services);
        } finally {
          await services.close();
        }
        return supervise(ctx, workers);
      }
      const services = await ctx.openServices(globals, 'service');
      try {
        if (!cluster.isWorker) await importStarterIfEmpty(ctx, services);
        const server = await services.serve(opts);
        if (cluster.isWorker) process.send?.({ listening: server.url });
        else {
          ctx.stderr.write(`paperboy listening on ${server.url} (data: ${services.dataDir}); Ctrl-C to stop\n`);
          void server.ready.then((ms) => ctx.stderr.write(`${readyLine(ms)}\n`));
        }
        const signal = await ctx.untilSignal();
        if (!cluster.isWorker) ctx.stderr.write(`${signal}: shutting down\n`);
        await server.stop();
      } finally {
        await services.close();
        // A worker's IPC channel to the primary keeps it alive: let go of it so the worker exits.
        if (cluster.isWorker) cluster.worker?.disconnect();
      }
    });
}

const readyLine = (ms: number) => `paperboy ready after ${(ms / 1000).toFixed(1)} s: index read ahead, model loaded, request paths warmed up (GET /readyz answers 200)`;

/**
 * First start: a database that has never held a paper gets the bundled starter corpus (recent arXiv
 * papers), so that the pages show real papers at once. Off with PAPERBOY_STARTER=off.
 */
export async function importStarterIfEmpty(ctx: CliContext, services: CliServices): Promise<void> {
  const { file, onFirstStart } = services.starter;
  if (!onFirstStart || !file) return;
  if (await services.everHeldPapers()) return;
  ctx.stderr.write(`paperboy: the database in ${services.dataDir} is empty: importing the starter corpus (${file})\n`);
  const report = await services.importFiles([file], {});
  ctx.stderr.write(
    `paperboy: starter corpus: ${summarise(report.counts)}. \`paperboy harvest\` adds new papers from arXiv; PAPERBOY_STARTER=off starts with an empty database\n`,
  );
}

/**
 * Several worker processes share the listening socket (node:cluster); each holds its own search
 * index. Worker 0 also embeds new papers. A worker that dies is replaced; SIGINT/SIGTERM stop all
 * gracefully.
 */
async function supervise(ctx: CliContext, workers: number): Promise<void> {
  let announced = false;
  let stopping = false;
  const started = performance.now();
  // Workers whose start-up is done (compose/readiness.ts): when all are, each is told, and reports
  // ready on GET /readyz. A replacement worker is told once it is done too.
  const ready = new Set<number>();
  let readyAnnounced = false;
  const fork = (index: number) => {
    // A replacement in an instance that was ready reports ready at once (compose/readiness.ts):
    // its siblings serve while it warms up, so the instance does not drop out of the balancer.
    const worker = cluster.fork({ PAPERBOY_WORKER_INDEX: String(index), ...(readyAnnounced ? { PAPERBOY_WORKER_REPLACEMENT: '1' } : {}) });
    worker.on('message', (message: { listening?: string; ready?: boolean }) => {
      if (message.listening && !announced) {
        announced = true;
        ctx.stderr.write(`paperboy listening on ${message.listening} (${workers} workers); Ctrl-C to stop\n`);
      }
      if (message.ready) {
        ready.add(index);
        if (ready.size < workers) return;
        for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ allReady: true });
        if (!readyAnnounced) {
          readyAnnounced = true;
          ctx.stderr.write(`${readyLine(performance.now() - started)} (${workers} workers)\n`);
        }
      }
    });
    worker.on('exit', (code, signal) => {
      ready.delete(index);
      if (stopping) return;
      ctx.stderr.write(`paperboy: worker ${index} exited (${signal ?? code}); starting another\n`);
      setTimeout(() => fork(index), 1000);
    });
    return worker;
  };
  for (let i = 0; i < workers; i++) fork(i);
  const signal = await ctx.untilSignal();
  stopping = true;
  ctx.stderr.write(`${signal}: shutting down ${workers} workers\n`);
  await Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((resolve) => {
    if (!w || w.isDead()) return resolve();
    w.once('exit', () => resolve());
    w.process.kill('SIGTERM');
  })));
}
