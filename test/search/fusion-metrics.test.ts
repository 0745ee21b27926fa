import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convexFusion, COSINE_FLOOR, normalise, rrfFusion } from '../../src/core/search/fusion.ts';
import { evaluateRun, mrrAt, ndcgAt, recallAt, trecOrder } from '../../src/core/search/metrics.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

describe('fusion', () => {
  it('normalises with the theoretical floor and the best candidate as ceiling', () => {
    close(normalise(5, 0, 10), 0.5);
    close(normalise(0, -1, 0.5), 1 / 1.5);
    close(normalise(3, 0, 0), 0);
  });

  it('combines convexly: alpha on the semantic side, a missing side at its floor (theoretical cosine floor)', () => {
    const fused = convexFusion([
      { docId: 1, lexical: { score: 10, rank: 1 }, semantic: { score: 0.5, rank: 2 } },
      { docId: 2, lexical: { score: 5, rank: 2 }, semantic: { score: 0.8, rank: 1 } },
      { docId: 3, lexical: null, semantic: { score: -1, rank: 3 } },
    ], 0.3, { semanticFloor: COSINE_FLOOR });
    // semantic max 0.8: doc 1 = 0.3 * 1.5/1.8 + 0.7 * 1; doc 2 = 0.3 * 1 + 0.7 * 0.5; doc 3 = 0.
    close(fused[0]!.fused, 0.3 * (1.5 / 1.8) + 0.7);
    close(fused[1]!.fused, 0.3 + 0.35);
    close(fused[2]!.fused, 0);
    assert.throws(() => convexFusion([], 1.5), /alpha must be in \[0, 1\]/);
  });

  it('normalises cosines from the lowest among the candidates by default, so that their spread counts', () => {
    // bge-like cosines: related 0.85, unrelated 0.55. From -1 the semantic side would spread over
    // 0.84-1 only and the lexical side would decide; from the candidates' minimum it spreads over 0-1.
    const inputs = [
      { docId: 1, lexical: { score: 10, rank: 1 }, semantic: { score: 0.55, rank: 3 } },
      { docId: 2, lexical: { score: 6, rank: 2 }, semantic: { score: 0.85, rank: 1 } },
      { docId: 3, lexical: null, semantic: { score: 0.7, rank: 2 } },
      { docId: 4, lexical: { score: 12, rank: 1 }, semantic: null, embedded: false },
    ];
    const fused = convexFusion(inputs, 0.75);
    close(fused[0]!.fused, 0.25 * (10 / 12));
    close(fused[1]!.fused, 0.75 + 0.25 * 0.5);
    close(fused[2]!.fused, 0.75 * 0.5);
    close(fused[3]!.fused, 1);
    const ranked = (f: { docId: number; fused: number }[]) => [...f].sort((a, b) => b.fused - a.fused).map((x) => x.docId);
    assert.deepEqual(ranked(fused), [4, 2, 3, 1]);
    assert.deepEqual(ranked(convexFusion(inputs, 0.75, { semanticFloor: COSINE_FLOOR })), [4, 2, 1, 3], 'from -1 the keyword match wins');
    // One embedded candidate, or all at one cosine: no spread to normalise, the theoretical floor then.
    close(convexFusion([{ docId: 1, lexical: { score: 2, rank: 1 }, semantic: { score: 0.7, rank: 1 } }], 0.75)[0]!.fused, 1);
  });

  it('fuses reciprocal ranks with k = 60', () => {
    const fused = rrfFusion([
      { docId: 1, lexical: { score: 9, rank: 1 }, semantic: { score: 0.1, rank: 3 } },
      { docId: 2, lexical: null, semantic: { score: 0.9, rank: 1 } },
    ]);
    close(fused[0]!.fused, 1 / 61 + 1 / 63);
    close(fused[1]!.fused, 1 / 61);
  });
});

describe('metrics as trec_eval computes them', () => {
  const judgments = new Map([['d1', 2], ['d2', 1], ['d3', 0], ['d9', 1]]);

  it('computes graded nDCG@k against the ideal ordering of the qrels', () => {
    // Ranked d2, d3, d1: DCG = 1/log2(2) + 0 + 2/log2(4) = 2; ideal 2, 1, 1: 2 + 1/log2(3) + 1/log2(4).
    close(ndcgAt(10, ['d2', 'd3', 'd1'], judgments), 2 / (2 + 1 / Math.log2(3) + 0.5));
    close(ndcgAt(1, ['d1'], judgments), 1);
  });

  it('computes Recall@k and MRR@k', () => {
    close(recallAt(2, ['d2', 'd3', 'd1'], judgments), 1 / 3);
    close(mrrAt(10, ['d3', 'd2'], judgments), 1 / 2);
    close(mrrAt(1, ['d3', 'd2'], judgments), 0);
  });

  it('breaks score ties by document id descending, as trec_eval does', () => {
    assert.deepEqual(trecOrder([{ docId: 'a', score: 1 }, { docId: 'c', score: 1 }, { docId: 'b', score: 2 }]).map((h) => h.docId), ['b', 'c', 'a']);
  });

  it('averages over judged queries, counting a query missing from the run as 0', () => {
    const qrels = new Map([['q1', new Map([['d1', 1]])], ['q2', new Map([['d2', 1]])], ['q3', new Map([['d3', 0]])]]);
    const result = evaluateRun(new Map([['q1', [{ docId: 'd1', score: 1 }]]]), qrels);
    assert.equal(result.queries, 2);
    close(result.mean.ndcg10, 0.5);
    close(result.mean.mrr10, 0.5);
  });
});
