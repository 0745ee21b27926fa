import type { Command } from 'commander';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';
import { summarise } from './import.ts';

/** `paperboy harvest --source hf`: Hugging Face daily papers, day by day from the checkpoint. */
export async function harvestHf(ctx: CliContext, setExit: (code: number) => void, opts: { from?: string; until?: string; json?: boolean; set?: string[]; prefix?: string; maxPages?: number }, cmd: Command): Promise<void> {
  if (opts.set || opts.prefix || opts.maxPages) {
    ctx.stderr.write('paperboy: --set, --prefix and --max-pages are for --source arxiv; --source hf takes --from and --until\n');
    setExit(EXIT.FATAL);
    return;
  }
  if (opts.from && opts.until && opts.from > opts.until) {
    ctx.stderr.write(`paperboy: --from ${opts.from} is after --until ${opts.until}\n`);
    setExit(EXIT.FATAL);
    return;
  }
  const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
  try {
    const report = await services.harvestHf({
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.until ? { until: opts.until } : {}),
      onDay: (d) => ctx.stderr.write(`hf ${d.date}: ${d.items} papers; ${summarise(d.counts)}\n`),
      onItem: (item) => {
        if (item.outcome === 'rejected') ctx.stderr.write(`rejected: ${item.reason}\n`);
      },
    });
    if (opts.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else ctx.stdout.write(`huggingface ${report.from} to ${report.until}: ${report.days} days, ${report.observations} signal values; ${summarise(report.counts)}\n`);
    setExit(report.counts.rejected > 0 ? EXIT.REJECTED : EXIT.OK);
  } finally {
    await services.close();
  }
}
