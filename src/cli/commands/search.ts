import { Command, InvalidArgumentError, Option } from 'commander';
import type { SearchHit } from '../../app/search/search-engine.ts';
import { collect, isoDate, positiveInt } from '../args.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';

const MODES = ['hybrid', 'lexical', 'semantic'] as const;

function alphaArg(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got ${JSON.stringify(value)}`);
  return n;
}

/** The HTML snippet as terminal text: marks in bold on a TTY, entities decoded. */
const terminalSnippet = (html: string, bold: boolean) =>
  html
    .replace(/<mark>/g, bold ? '\u001b[1m' : '')
    .replace(/<\/mark>/g, bold ? '\u001b[22m' : '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

export function printHits(ctx: CliContext, hits: readonly SearchHit[], offset: number, tty: boolean): void {
  hits.forEach((hit, i) => {
    const e = hit.explanation;
    const why = [
      e.lexical ? `lexical ${e.lexical.score.toFixed(3)} (#${e.lexical.rank})` : null,
      e.semantic ? `semantic ${e.semantic.score.toFixed(3)}${e.semantic.rank ? ` (#${e.semantic.rank})` : ''}` : null,
      e.matchedTerms.length ? `terms: ${e.matchedTerms.join(', ')}` : null,
    ].filter(Boolean).join('; ');
    const snippet = terminalSnippet(hit.snippet, tty);
    ctx.stdout.write(
      `${offset + i + 1}. [${hit.id}] ${hit.title}\n   ${hit.authors.slice(0, 4).join(', ')}${hit.authors.length > 4 ? ' et al.' : ''}` +
        ` · ${hit.date ?? 'undated'} · ${hit.categories.slice(0, 3).join(' ')}\n   score ${hit.score.toFixed(4)}: ${why}\n   ${snippet}\n\n`,
    );
  });
}

export function searchCommand(ctx: CliContext): Command {
  return new Command('search')
    .description('search the stored papers: "phrases", -exclude, OR, ti: au: abs: cat:, or an arXiv id')
    .argument('<query>', 'the query, e.g. \'"graph neural" ti:molecule -survey cat:cs.LG\'')
    .addOption(new Option('-m, --mode <mode>', 'ranking').choices(MODES).default('hybrid'))
    .addOption(new Option('--fusion <method>', 'hybrid fusion').choices(['convex', 'rrf']).default('convex'))
    .option('--alpha <a>', 'semantic weight in convex fusion, 0..1 (default: tuned value)', alphaArg)
    .option('-n, --limit <n>', 'results per page', positiveInt, 10)
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--category <cat>', 'only these categories (cs.CL, or an archive like cs); repeatable', collect)
    .option('--from <date>', 'announced on or after (YYYY-MM-DD)', isoDate)
    .option('--to <date>', 'announced on or before (YYYY-MM-DD)', isoDate)
    .option('--author <name>', 'only papers with an author whose name contains this')
    .addOption(new Option('--sort <order>', 'order of the best matches').choices(['relevance', 'date', 'trending']).default('relevance'))
    .option('--json', 'print JSON, with explanations')
    .addOption(modelOption())
    .action(async (query: string, opts: { mode: (typeof MODES)[number]; fusion: 'convex' | 'rrf'; alpha?: number; limit: number; page: number; category?: string[]; from?: string; to?: string; author?: string; sort: 'relevance' | 'date' | 'trending'; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const offset = (opts.page - 1) * opts.limit;
        const response = await services.search({
          query, mode: opts.mode, fusion: opts.fusion, limit: opts.limit, offset, sort: opts.sort,
          ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
          ...(opts.category ? { categories: opts.category } : {}),
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
          ...(opts.author ? { author: opts.author } : {}),
        });
        if (opts.json) {
          ctx.stdout.write(JSON.stringify(response, null, 2) + '\n');
          return;
        }
        for (const notice of response.notices) ctx.stderr.write(`note: ${notice}\n`);
        ctx.stdout.write(`${response.total} results (${response.mode}${response.fusion ? `, ${response.fusion}` : ''})\n\n`);
        printHits(ctx, response.hits, offset, ctx.stdout.isTTY === true);
      } finally {
        await services.close();
      }
    });
}

export function similarCommand(ctx: CliContext): Command {
  return new Command('similar')
    .description('papers similar to one paper (by embedding, else by words)')
    .argument('<id>', 'arXiv id or Paperboy id')
    .option('-n, --limit <n>', 'how many', positiveInt, 10)
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .action(async (id: string, opts: { limit: number; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const result = await services.similar(id, opts.limit);
        if (!result.found) {
          ctx.stderr.write(`paperboy: no paper ${JSON.stringify(id)}\n`);
          cmd.error('', { exitCode: 2 });
        }
        if (opts.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else {
          ctx.stdout.write(`similar to ${id} (${result.mode})\n\n`);
          printHits(ctx, result.hits, 0, ctx.stdout.isTTY === true);
        }
      } finally {
        await services.close();
      }
    });
}
