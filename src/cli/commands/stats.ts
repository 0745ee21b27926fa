import { Command } from 'commander';
import type { CliContext, GlobalOptions } from '../context.ts';

export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description('count the stored papers, by category and by month')
    .option('--json', 'print JSON')
    .option('--top <n>', 'categories to list in the text output', (v) => Number(v), 20)
    .action(async (opts: { json?: boolean; top: number }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const stats = await services.stats();
        if (opts.json) {
          ctx.stdout.write(JSON.stringify({ dataDir: services.dataDir, ...stats }, null, 2) + '\n');
          return;
        }
        const lines = [`${stats.papers.toLocaleString('en')} papers (${stats.deleted} deleted) in ${services.dataDir}`, '', 'by category:'];
        for (const c of stats.byCategory.slice(0, opts.top)) lines.push(`  ${c.category.padEnd(20)} ${c.papers.toLocaleString('en').padStart(9)}`);
        if (stats.byCategory.length > opts.top) lines.push(`  ... ${stats.byCategory.length - opts.top} more (--json for all)`);
        lines.push('', 'by month:');
        for (const m of stats.byMonth) lines.push(`  ${m.month.padEnd(8)} ${m.papers.toLocaleString('en').padStart(9)}`);
        ctx.stdout.write(lines.join('\n') + '\n');
      } finally {
        await services.close();
      }
    });
}
