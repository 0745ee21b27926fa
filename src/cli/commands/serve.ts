import { Command } from 'commander';
import { port } from '../args.ts';
import type { CliContext, GlobalOptions } from '../context.ts';

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('start the HTTP service (default http://127.0.0.1:3000) on the data directory')
    .option('--host <host>', 'address to bind (default from config: 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default from config: 3000)', port)
    .action(async (opts: { host?: string; port?: number }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>(), 'service');
      try {
        const server = await services.serve(opts);
        ctx.stderr.write(`paperboy listening on ${server.url} (data: ${services.dataDir}); Ctrl-C to stop\n`);
        const signal = await ctx.untilSignal();
        ctx.stderr.write(`${signal}: shutting down\n`);
        await server.stop();
      } finally {
        await services.close();
      }
    });
}
