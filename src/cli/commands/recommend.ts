import { Command } from 'commander';
import type { RecommendResponse } from '../../app/recommend.ts';
import { collect, isoDate, positiveInt } from '../args.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';

function printRecommendations(ctx: CliContext, r: RecommendResponse): void {
  ctx.stdout.write(
    `${r.items.length} recommendations from ${r.likes} liked and ${r.dislikes} disliked papers; ` +
      `${r.window.from ?? '?'} to ${r.window.to ?? '?'}: ${r.candidates} papers ranked` +
      `${r.unembedded ? ` (${r.unembedded} without an embedding yet, not ranked)` : ''}\n\n`,
  );
  r.items.forEach((item, i) => {
    const because = item.because.map((b) => `[${b.id}] ${b.title} (cosine ${b.similarity.toFixed(2)})`).join('; ');
    ctx.stdout.write(
      `${i + 1}. [${item.id}] ${item.title}\n   ${item.authors.slice(0, 4).join(', ')}${item.authors.length > 4 ? ' et al.' : ''}` +
        ` · ${item.date ?? 'undated'} · ${item.categories.slice(0, 3).join(' ')}\n   score ${item.score.toFixed(3)} · because you liked ${because}\n\n`,
    );
  });
}

export function recommendCommand(ctx: CliContext): Command {
  return new Command('recommend')
    .description('papers of a date window ranked for a reader who likes (and dislikes) the papers given: a linear model on the embeddings, each result explained (no account needed)')
    .requiredOption('--like <id...>', 'papers the reader likes (arXiv or Paperboy ids; repeatable, or comma-separated)', collect)
    .option('--dislike <id...>', 'papers the reader does not want more of', collect)
    .option('--from <date>', 'first day of the window (YYYY-MM-DD; default: 6 days before --to)', isoDate)
    .option('--to <date>', 'last day of the window (YYYY-MM-DD; default: the newest paper\'s day)', isoDate)
    .option('-n, --limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .action(async (opts: { like: string[]; dislike?: string[]; from?: string; to?: string; limit: number; json?: boolean }, cmd: Command) => {
      if (opts.from && opts.to && opts.from > opts.to) cmd.error(`paperboy: --from ${opts.from} is after --to ${opts.to}`, { exitCode: 2 });
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const result = await services.recommend({
          likes: opts.like, dislikes: opts.dislike ?? [], limit: opts.limit,
          ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}),
        });
        if (opts.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else printRecommendations(ctx, result);
      } finally {
        await services.close();
      }
    });
}
