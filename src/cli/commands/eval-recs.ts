import { Command, InvalidArgumentError, Option } from 'commander';
import { RECS_METHODS, type RecsMethod } from '../../app/recommend-eval.ts';
import { isoDate, positiveInt } from '../args.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { modelOption } from '../model-option.ts';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  return n;
}

export function evalRecsCommand(ctx: CliContext): Command {
  return new Command('eval-recs')
    .description('evaluate recommendations by author continuation: authors\' papers before a cut-off are the likes, their later papers the relevant items among all later papers; nDCG@10, Recall@50, MRR per method')
    .option('--cutoff <date>', 'cut-off day (YYYY-MM-DD; default: the median date of the papers used)', isoDate)
    .option('--from <date>', 'only papers on or after this day', isoDate)
    .option('--to <date>', 'only papers on or before this day', isoDate)
    .option('--min-before <n>', 'a reader has at least this many papers before the cut-off', positiveInt, 3)
    .option('--min-after <n>', '... and at least this many on or after it', positiveInt, 2)
    .option('--max-readers <n>', 'at most this many readers (a seeded sample)', positiveInt, 500)
    .addOption(new Option('--split <half>', 'readers: all, or one half by a hash of the name (tune on one, report the other)').choices(['all', 'tune', 'report']).default('all'))
    .addOption(new Option('--method <name...>', 'methods to compare').choices([...RECS_METHODS]).default([...RECS_METHODS]))
    .option('--seed <n>', 'seed of every sample', positiveInt, 1)
    .option('--ridge <x>', 'the linear model\'s ridge (default: the tuned value)', positiveNumber)
    .option('--like-weight <x>', 'the linear model\'s weight of the likes against the corpus (default: the tuned value)', positiveNumber)
    .option('--embedding-weight <x>', 'the linear model\'s weight of its embedding side against its tf-idf side, 0..1 (default: the tuned value)', (v: string) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got ${JSON.stringify(v)}`);
      return n;
    })
    .option('--term-smoothing <x>', 'the linear model\'s text side: δ added to each term\'s mean square (default: the tuned value)', positiveNumber)
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .action(async (opts: { cutoff?: string; from?: string; to?: string; minBefore: number; minAfter: number; maxReaders: number; split: 'all' | 'tune' | 'report'; method: RecsMethod[]; seed: number; ridge?: number; likeWeight?: number; embeddingWeight?: number; termSmoothing?: number; json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(cmd.optsWithGlobals<GlobalOptions>());
      try {
        let last = 0;
        const result = await services.evalRecs({
          minBefore: opts.minBefore, minAfter: opts.minAfter, maxReaders: opts.maxReaders, split: opts.split, methods: opts.method, seed: opts.seed,
          ...(opts.cutoff ? { cutoff: opts.cutoff } : {}), ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}),
          ...(opts.ridge ? { ridge: opts.ridge } : {}), ...(opts.likeWeight ? { likeWeight: opts.likeWeight } : {}),
          ...(opts.embeddingWeight !== undefined ? { embeddingWeight: opts.embeddingWeight } : {}),
          ...(opts.termSmoothing ? { termSmoothing: opts.termSmoothing } : {}),
          onProgress: (method, done, total) => {
            if (Date.now() - last > 5000 || done === total) {
              last = Date.now();
              ctx.stderr.write(`eval-recs: ${method} ${done}/${total}\n`);
            }
          },
        });
        if (opts.json) {
          ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        const r = result;
        ctx.stdout.write(
          (r.textOnly ? 'text methods only: every dated paper, embedded or not' : `model ${r.model}; papers with a date and an embedding`) + `: ${r.papers.used}${r.window.from || r.window.to ? ` (${r.window.from ?? '…'} to ${r.window.to ?? '…'})` : ''}` +
            ` (left out: ${r.withoutVector} without an embedding, ${r.undated} undated)\n` +
            `cut-off ${r.cutoff}: ${r.papers.before} papers before, ${r.papers.after} on or after = the items every reader's ranking covers\n` +
            `readers (split ${r.split}): ${r.readers.evaluated} evaluated of ${r.readers.eligible} eligible (≥ ${opts.minBefore} papers before, ≥ ${opts.minAfter} after);` +
            ` ${r.readers.meanLikes.toFixed(1)} likes and ${r.readers.meanRelevant.toFixed(1)} relevant items per reader on average\n\n`,
        );
        ctx.stdout.write(`${'method'.padEnd(17)} ${'nDCG@10'.padStart(8)} ${'R@50'.padStart(8)} ${'MRR'.padStart(8)} ${'ms/reader'.padStart(10)}\n`);
        for (const m of r.methods) {
          ctx.stdout.write(`${m.method.padEnd(17)} ${m.ndcg10.toFixed(4).padStart(8)} ${m.recall50.toFixed(4).padStart(8)} ${m.mrr.toFixed(4).padStart(8)} ${(m.msPerReader?.toFixed(1) ?? '-').padStart(10)}\n`);
        }
        const linear = r.methods.find((m) => m.method === 'linear');
        if (linear) {
          for (const m of r.methods.filter((x) => x.method === 'centroid' || x.method === 'tfidf-svm')) {
            const gain = m.ndcg10 > 0 ? (linear.ndcg10 / m.ndcg10 - 1) * 100 : Infinity;
            ctx.stdout.write(`linear vs ${m.method}: ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} % nDCG@10 (target ≥ +10 %: ${gain >= 10 ? 'met' : 'not met'})\n`);
          }
        }
      } finally {
        await services.close();
      }
    });
}
