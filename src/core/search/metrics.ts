/**
 * Retrieval metrics computed as trec_eval computes them (pytrec_eval, as BEIR uses it):
 * - a run is ordered by score descending, ties broken by document id descending (trec_eval's order);
 * - gains are the graded relevance levels from the qrels (levels <= 0 count as not relevant);
 * - nDCG@k: sum of gain / log2(rank + 1) over the top k, over the same for the ideal ordering of the
 *   qrels (ndcg_cut_k);
 * - Recall@k: relevant retrieved in the top k over all relevant (recall_k);
 * - MRR@k: 1 / rank of the first relevant document within the top k, 0 if none (recip_rank, cut).
 * Means are over the queries that have at least one relevant document; a query absent from the run
 * scores 0 (trec_eval -c).
 */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;
export type Run = ReadonlyMap<string, readonly { docId: string; score: number }[]>;

export interface QueryMetrics {
  ndcg10: number;
  recall100: number;
  mrr10: number;
}

/** The run of one query in trec_eval's order. */
export function trecOrder(hits: readonly { docId: string; score: number }[]): { docId: string; score: number }[] {
  return [...hits].sort((a, b) => b.score - a.score || (a.docId < b.docId ? 1 : a.docId > b.docId ? -1 : 0));
}

export function ndcgAt(k: number, ranked: readonly string[], judgments: ReadonlyMap<string, number>): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const gain = judgments.get(ranked[i]!) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  }
  const ideal = [...judgments.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(k: number, ranked: readonly string[], judgments: ReadonlyMap<string, number>): number {
  const relevant = [...judgments.values()].filter((g) => g > 0).length;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judgments.get(ranked[i]!) ?? 0) > 0) found++;
  return found / relevant;
}

export function mrrAt(k: number, ranked: readonly string[], judgments: ReadonlyMap<string, number>): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judgments.get(ranked[i]!) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

/** Per-query and mean metrics of a run against qrels. */
export function evaluateRun(run: Run, qrels: Qrels): { mean: QueryMetrics; queries: number; perQuery: Map<string, QueryMetrics> } {
  const perQuery = new Map<string, QueryMetrics>();
  for (const [queryId, judgments] of qrels) {
    if (![...judgments.values()].some((g) => g > 0)) continue;
    const ranked = trecOrder(run.get(queryId) ?? []).map((h) => h.docId);
    perQuery.set(queryId, { ndcg10: ndcgAt(10, ranked, judgments), recall100: recallAt(100, ranked, judgments), mrr10: mrrAt(10, ranked, judgments) });
  }
  const n = perQuery.size;
  const mean = { ndcg10: 0, recall100: 0, mrr10: 0 };
  for (const m of perQuery.values()) {
    mean.ndcg10 += m.ndcg10 / n;
    mean.recall100 += m.recall100 / n;
    mean.mrr10 += m.mrr10 / n;
  }
  return { mean, queries: n, perQuery };
}
