import { createWriteStream, existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { OutcomeCounts } from '../../app/ingest.ts';
import { FORMATS, type FormatName } from '../../ports/record-source.ts';
import { positiveInt } from '../args.ts';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';
import { createProgressReporter } from '../progress.ts';

const MAX_PRINTED_REJECTIONS = 50;

export const summarise = (c: OutcomeCounts) =>
  `${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted, ${c.rejected} rejected`;

export function importCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('import')
    .description('import papers from files: JSON Lines (Paperboy, arxiv-75k, seed), arXiv metadata snapshot, arXiv API Atom, OAI-PMH, Hugging Face daily_papers; gzip or not')
    .argument('[files...]', 'files to import, in order')
    .option('--starter', 'also import the starter corpus shipped with Paperboy (4,232 recent arXiv papers)')
    .addOption(new Option('-f, --format <format>', 'skip detection and read every file in this format').choices(FORMATS))
    .option('--report <file>', 'write one JSON line per record: file, record, line, id, outcome, reason')
    .option('--batch-size <n>', 'records per transaction', positiveInt, 2000)
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText('after', '\nExit status: 0 every record stored or unchanged, 1 some records rejected, 2 usage or fatal error.')
    .action(async (files: string[], opts: { format?: FormatName; report?: string; batchSize: number; json?: boolean; progress: boolean; starter?: boolean }, cmd: Command) => {
      if (files.length === 0 && !opts.starter) cmd.error('error: give the files to import, or --starter', { exitCode: EXIT.FATAL });
      const missing = files.filter((file) => !existsSync(file));
      if (missing.length > 0) cmd.error(`error: cannot read ${missing.map((f) => JSON.stringify(f)).join(', ')}: no such file`, { exitCode: EXIT.FATAL });
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      if (opts.starter) {
        if (!services.starter.file) {
          await services.close();
          cmd.error('error: this installation has no starter corpus (starter/arxiv-starter.jsonl.gz)', { exitCode: EXIT.FATAL });
        }
        files = [...files, services.starter.file];
      }
      const report = opts.report ? createWriteStream(opts.report) : null;
      let printed = 0;
      let rejected = 0;
      const interval = Number(process.env.PAPERBOY_PROGRESS_INTERVAL_MS) || undefined;
      const progress = opts.progress ? createProgressReporter({ stream: ctx.stderr, ...(interval ? { intervalMs: interval } : {}) }) : null;
      try {
        const result = await services.importFiles(files, {
          ...(opts.format ? { format: opts.format } : {}),
          batchSize: opts.batchSize,
          onItem: (file, item) => {
            report?.write(JSON.stringify({ file, ...item.ref, id: item.id, outcome: item.outcome, reason: item.reason }) + '\n');
            if (item.outcome !== 'rejected') return;
            rejected++;
            if (printed < MAX_PRINTED_REJECTIONS) {
              printed++;
              ctx.stderr.write(`rejected: ${file}: ${item.reason}\n`);
            }
          },
          onProgress: (p) => {
            const c = p.counts;
            progress?.update({ label: `import ${p.file}`, records: c.added + c.updated + c.unchanged + c.deleted + c.rejected, bytesRead: p.bytesRead, totalBytes: p.totalBytes });
          },
        });
        progress?.stop();
        if (rejected > printed) {
          ctx.stderr.write(`... and ${rejected - printed} more rejections${opts.report ? ` (all in ${opts.report})` : ' (use --report FILE to see all)'}\n`);
        }
        if (opts.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else {
          for (const file of result.files) ctx.stdout.write(`${file.file} (${file.format}): ${summarise(file.counts)}\n`);
          if (result.files.length > 1) ctx.stdout.write(`total: ${summarise(result.counts)}\n`);
        }
        if (result.counts.added + result.counts.updated > 0 && !opts.json) {
          ctx.stderr.write('new and changed papers are searchable by words now; `paperboy embed` (or a running `paperboy serve`, in the background) adds them to semantic search\n');
        }
        setExit(result.counts.rejected > 0 ? EXIT.REJECTED : EXIT.OK);
      } finally {
        progress?.stop();
        if (report) await new Promise((resolve) => report.end(resolve));
        await services.close();
      }
    });
}
