import { Command } from 'commander';
import { isoDate } from '../args.ts';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';

export function digestCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const digest = new Command('digest').description('e-mail digests: trending papers and topic alerts');
  digest
    .command('run')
    .description('compose the digests due now (or for --date) and send the outbox; safe to repeat: nothing is sent twice')
    .option('--dry-run', 'compose and print, store and send nothing (preview anyone\'s next digest)')
    .option('--subscriber <email>', 'only this subscriber')
    .option('--date <date>', 'compose the digests of this day (YYYY-MM-DD) whatever the send hour', isoDate)
    .option('--json', 'machine-readable summary')
    .action(async (opts: { dryRun?: boolean; subscriber?: string; date?: string; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const result = await services.digestRun({ ...(opts.date ? { date: opts.date } : {}), ...(opts.subscriber ? { email: opts.subscriber } : {}), dryRun: opts.dryRun ?? false });
        if (opts.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          for (const p of result.previews) ctx.stdout.write(`--- ${p.email} · ${p.period} · ${p.papers} papers\nSubject: ${p.subject}\n\n${p.text}\n`);
          ctx.stdout.write(`${opts.dryRun ? 'dry run: ' : ''}planned ${result.planned}, empty ${result.empty}, skipped ${result.skipped}; sent ${result.sent}, retried later ${result.retried}, failed ${result.failed}\n`);
        }
        if (result.failed > 0) setExit(EXIT.REJECTED);
      } finally {
        await services.close();
      }
    });
  return digest;
}
