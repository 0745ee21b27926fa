import { Command } from 'commander';
import type { CliContext, GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';

/** Bytes as a person reads them. */
function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function indexCommand(ctx: CliContext): Command {
  return new Command('index')
    .description('show the on-disk search index (generation, segments, papers, vectors, size, open time); --rebuild rebuilds it from the database')
    .option('--rebuild', 'rebuild the index from the database (it is rebuilt automatically when missing, damaged or from another version)')
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .action(async (opts: { rebuild?: boolean; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const status = await services.index({ rebuild: opts.rebuild === true });
        if (opts.json) {
          ctx.stdout.write(JSON.stringify(status, null, 2) + '\n');
          return;
        }
        ctx.stdout.write(
          [
            `search index in ${status.dir}${status.rebuilt ? ` (rebuilt: ${status.rebuilt})` : ''}`,
            `  generation ${status.generation}, ${status.segments} segment${status.segments === 1 ? '' : 's'}`,
            `  ${status.docs.toLocaleString('en')} papers, ${status.vectors.toLocaleString('en')} vectors${status.model ? ` (${status.model})` : ''}`,
            `  ${size(status.bytes)} on disk, opened in ${status.openMs} ms`,
          ].join('\n') + '\n',
        );
      } finally {
        await services.close();
      }
    });
}
