import { Command } from 'commander';
import { positiveInt } from '../args.ts';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';
import { createProgressReporter } from '../progress.ts';

export function embedCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('embed')
    .description('compute the embeddings that are missing or stale (new papers, changed text, another model)')
    .option('--limit <n>', 'at most this many papers in this run', positiveInt)
    .option('--no-progress', 'no progress bar or lines')
    .addOption(modelOption())
    .action(async (opts: { limit?: number; progress: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const progress = opts.progress ? createProgressReporter({ stream: ctx.stderr }) : null;
        const result = await services.embed({
          ...(opts.limit ? { limit: opts.limit } : {}),
          onProgress: (done, total) => progress?.update({ label: 'embed', records: done, bytesRead: done, totalBytes: total }),
        });
        progress?.stop();
        if (!result) {
          ctx.stderr.write(`paperboy: ${await services.modelProblem()}\n`);
          setExit(EXIT.FATAL);
          return;
        }
        // A model switch re-embeds every paper: say so, naming both models.
        for (const old of result.previous) {
          ctx.stdout.write(`model changed: ${old.papers} papers were embedded with ${old.model}, not yet with ${result.model}; re-embedding them\n`);
        }
        ctx.stdout.write(`${result.model}: ${result.embedded} papers embedded, ${result.remaining} remaining\n`);
      } finally {
        await services.close();
      }
    });
}
