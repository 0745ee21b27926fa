import { Command, Option } from 'commander';
import type { EvalVariant } from '../../app/search/evaluate.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';

const parseAlphas = (value: string) => value.split(',').map(Number).filter((n) => n >= 0 && n <= 1);

export function evalCommand(ctx: CliContext): Command {
  return new Command('eval')
    .description('evaluate search on a BEIR-format folder (corpus.jsonl[.gz], queries*.jsonl, qrels/SPLIT.tsv): nDCG@10, Recall@100, MRR@10 as trec_eval computes them')
    .argument('<dir>', 'BEIR dataset folder')
    .option('--split <split>', 'qrels split', 'test')
    .addOption(new Option('-m, --mode <mode...>', 'modes to evaluate').choices(['lexical', 'semantic', 'hybrid', 'rrf']).default(['lexical', 'semantic', 'hybrid', 'rrf']))
    .option('--alphas <list>', 'also evaluate convex hybrid at these semantic weights, e.g. 0.3,0.5,0.7', parseAlphas)
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .action(async (dir: string, opts: { split: string; mode: string[]; alphas?: number[]; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const variants: EvalVariant[] = opts.mode.map((m) => (m === 'rrf' ? { mode: 'hybrid', fusion: 'rrf' } : m === 'hybrid' ? { mode: 'hybrid', fusion: 'convex' } : { mode: m as 'lexical' | 'semantic' }));
        for (const alpha of opts.alphas ?? []) variants.push({ mode: 'hybrid', fusion: 'convex', alpha });
        let last = 0;
        const result = await services.evaluate(dir, opts.split, variants, (stage, done, total) => {
          if (Date.now() - last > 5000 || done === total) {
            last = Date.now();
            ctx.stderr.write(`eval: ${stage} ${done}/${total}\n`);
          }
        });
        if (opts.json) {
          ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        ctx.stdout.write(`${dir} (split ${opts.split}): ${result.documents} documents, ${result.queries} queries, model ${result.model ?? 'none'}\n\n`);
        ctx.stdout.write(`${'mode'.padEnd(22)} ${'nDCG@10'.padStart(8)} ${'R@100'.padStart(8)} ${'MRR@10'.padStart(8)} ${'ms/query'.padStart(9)}\n`);
        for (const row of result.rows) {
          const name = row.mode === 'hybrid' ? `hybrid ${row.fusion ?? 'convex'}${row.alpha !== undefined ? ` a=${row.alpha}` : ''}` : row.mode;
          ctx.stdout.write(`${name.padEnd(22)} ${row.metrics.ndcg10.toFixed(4).padStart(8)} ${row.metrics.recall100.toFixed(4).padStart(8)} ${row.metrics.mrr10.toFixed(4).padStart(8)} ${row.msPerQuery.toFixed(1).padStart(9)}\n`);
        }
      } finally {
        await services.close();
      }
    });
}
