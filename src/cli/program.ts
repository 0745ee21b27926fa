import { Command } from 'commander';
import type { CliContext } from './context.ts';
import { harvestCommand } from './commands/harvest.ts';
import { importCommand } from './commands/import.ts';
import { serveCommand } from './commands/serve.ts';
import { embedCommand } from './commands/embed.ts';
import { evalCommand } from './commands/eval.ts';
import { searchCommand, similarCommand } from './commands/search.ts';
import { statsCommand } from './commands/stats.ts';
import { digestCommand } from './commands/digest.ts';
import { indexCommand } from './commands/index.ts';
import { recommendCommand } from './commands/recommend.ts';
import { evalRecsCommand } from './commands/eval-recs.ts';
import { migrateStoreCommand } from './commands/migrate-store.ts';

/** Builds the `paperboy` command line; `setExit` records the exit status a command wants. */
export function createProgram(ctx: CliContext, setExit: (code: number) => void, version: string): Command {
  const program = new Command('paperboy')
    .description('Paperboy: self-hosted research-paper discovery (ingest arXiv and Hugging Face papers, search, digests)')
    .version(version)
    .option('-d, --data <dir>', 'data directory holding paperboy.db (env PAPERBOY_DATA, default ./data)')
    .option('-c, --config <file>', 'JSON config file (env PAPERBOY_CONFIG)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  for (const command of [
    importCommand(ctx, setExit), harvestCommand(ctx, setExit), digestCommand(ctx, setExit), statsCommand(ctx), searchCommand(ctx), similarCommand(ctx),
    embedCommand(ctx, setExit), indexCommand(ctx), evalCommand(ctx), serveCommand(ctx),
    recommendCommand(ctx), evalRecsCommand(ctx), migrateStoreCommand(ctx, setExit),
  ]) {
    command.configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) }).exitOverride().showHelpAfterError('(run with --help for usage)');
    program.addCommand(command);
  }
  return program;
}
