import { Command, Option } from 'commander';
import { collect, isoDate, positiveInt } from '../args.ts';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';
import { summarise } from './import.ts';
import { harvestHf } from './harvest-hf.ts';

export function harvestCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('harvest')
    .description('pull new and changed papers from arXiv OAI-PMH (politely: one request per 3 s), or Hugging Face daily papers with --source hf, from the last checkpoint')
    .addOption(new Option('--source <source>', 'arxiv (OAI-PMH) or hf (Hugging Face daily papers, with upvotes and GitHub stars)').choices(['arxiv', 'hf']).default('arxiv'))
    .option('-s, --set <set>', 'OAI set to harvest, repeatable or comma-separated (default from config: cs)', collect)
    .option('--from <date>', 'start of the window (YYYY-MM-DD), instead of the checkpoint', isoDate)
    .option('--until <date>', 'end of the window (YYYY-MM-DD)', isoDate)
    .addOption(new Option('--prefix <format>', 'OAI metadata format').choices(['arXivRaw', 'arXiv']))
    .option('--max-pages <n>', 'stop after N pages per set; the next run resumes', positiveInt)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nThe checkpoint lives in the database: a killed harvest resumes where it stopped.\n--source hf reads https://huggingface.co/api/daily_papers day by day (--from/--until, default: after the checkpoint, re-reading the last days).\nExit status: 0 ok, 1 some records rejected, 2 usage error or the upstream failing.')
    .action(async (opts: { source: 'arxiv' | 'hf'; set?: string[]; from?: string; until?: string; prefix?: 'arXivRaw' | 'arXiv'; maxPages?: number; json?: boolean }, cmd: Command) => {
      if (opts.source === 'hf') return harvestHf(ctx, setExit, opts, cmd);
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const sets = opts.set ?? services.harvestDefaults.sets;
        ctx.stderr.write(`harvesting ${sets.join(', ')} from ${services.harvestDefaults.baseUrl}\n`);
        const report = await services.harvest({
          sets,
          metadataPrefix: opts.prefix ?? services.harvestDefaults.metadataPrefix,
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.until ? { until: opts.until } : {}),
          ...(opts.maxPages ? { maxPages: opts.maxPages } : {}),
          onPage: (p) => ctx.stderr.write(`harvest ${p.set}: page ${p.page}, ${p.records} records${p.completeListSize !== null ? ` (list size ${p.completeListSize})` : ''}; ${summarise(p.counts)}\n`),
          onItem: (item) => {
            if (item.outcome === 'rejected') ctx.stderr.write(`rejected: ${item.reason}\n`);
          },
        });
        if (opts.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else {
          for (const s of report.sets) {
            const status = s.status === 'nothing-new' ? 'nothing new' : s.status === 'paused' ? 'paused (run again to resume)' : 'complete';
            ctx.stdout.write(`${s.set} from ${s.from ?? 'the beginning'}${s.resumed ? ' (resumed)' : ''}: ${status}, ${s.pages} pages; ${summarise(s.counts)}\n`);
          }
        }
        setExit(report.counts.rejected > 0 ? EXIT.REJECTED : EXIT.OK);
      } finally {
        await services.close();
      }
    });
}
