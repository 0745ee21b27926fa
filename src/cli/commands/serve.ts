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
    .option('--workers <n>', 'worker threads of one process serving the port, one per core for throughput; they share the index in memory (default: PAPERBOY_WORKERS or 1)', positiveInt)
    .action(async (opts: ServeOptions, cmd: Command) => {
      const workers = opts.workers ?? (process.env.PAPERBOY_WORKERS ? positiveInt(process.env.PAPERBOY_WORKERS) : 1);
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (workers > 1) {
        // The main thread fills an empty database once, before the workers open it.
        const services = await ctx.openServices(globals, 'service');
        const { listen, indexDir } = services;
        try {
          await importStarterIfEmpty(ctx, services);
        } finally {
          await services.close();
        }
        return ctx.serveWorkers(globals, { host: opts.host ?? listen.host, port: opts.port ?? listen.port, workers, indexDir, readyLine });
      }
      const services = await ctx.openServices(globals, 'service');
      try {
        await importStarterIfEmpty(ctx, services);
        const server = await services.serve(opts);
        ctx.stderr.write(`paperboy listening on ${server.url} (data: ${services.dataDir}); Ctrl-C to stop\n`);
        void server.ready.then((ms) => ctx.stderr.write(`${readyLine(ms)}\n`));
        const signal = await ctx.untilSignal();
        ctx.stderr.write(`${signal}: shutting down\n`);
        await server.stop();
      } finally {
        await services.close();
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
