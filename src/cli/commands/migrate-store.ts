import { Command } from 'commander';
import { EXIT, type CliContext, type GlobalOptions } from '../context.ts';

export function migrateStoreCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('migrate-store')
    .description('copy the SQLite database of the data directory into PostgreSQL (papers, signals, votes, embeddings, accounts, subscriptions, outbox, checkpoints), then compare the counts')
    .requiredOption('--to <url>', 'the target database, postgres://user:password@host:port/database (created tables; must be empty)')
    .option('--replace', 'empty the target\'s tables first instead of refusing a database that holds data')
    .action(async (opts: { to: string; replace?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const started = performance.now();
        const report = await services.migrateStore(opts.to, {
          replace: opts.replace === true,
          onProgress: (table, done, total) => {
            if (done === total) ctx.stderr.write(`paperboy: ${table}: ${total.toLocaleString('en')} rows copied\n`);
          },
        });
        const width = Math.max(...report.tables.map((t) => t.table.length), 'outbox state'.length + 2);
        const lines = [`copied ${services.dataDir} into ${report.target} in ${((performance.now() - started) / 1000).toFixed(1)} s`, '', `${'table'.padEnd(width)} ${'SQLite'.padStart(10)} ${'PostgreSQL'.padStart(10)}`];
        const row = (name: string, a: number, b: number) => `${name.padEnd(width)} ${a.toLocaleString('en').padStart(10)} ${b.toLocaleString('en').padStart(10)}${a === b ? '' : '  DIFFERENT'}`;
        for (const t of report.tables) lines.push(row(t.table, t.source, t.target));
        for (const o of report.outbox) lines.push(row(`  outbox ${o.state}`, o.source, o.target));
        if (report.skipped.length) lines.push('', `not copied (no such table in PostgreSQL, empty): ${report.skipped.join(', ')}`);
        const different = [...report.tables, ...report.outbox].filter((t) => t.source !== t.target);
        lines.push('', different.length ? `the counts differ in ${different.length} rows above` : 'every count is equal');
        ctx.stdout.write(lines.join('\n') + '\n');
        if (different.length) setExit(EXIT.FATAL);
      } finally {
        await services.close();
      }
    });
}
