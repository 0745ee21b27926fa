import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RecsEvalResult } from '../../src/app/recommend-eval.ts';
import { runPaperboy } from '../helpers.ts';
import { recsDataDir } from './recs-data.ts';

describe('paperboy eval-recs', () => {
  let data: Awaited<ReturnType<typeof recsDataDir>>;
  before(async () => {
    data = await recsDataDir();
  });

  it('judges every method by author continuation on the fixture and prints readers and items', async () => {
    const json = await runPaperboy(['eval-recs', '--data', data.dir, '--cutoff', '2026-02-01', '--json'], { env: data.env });
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as RecsEvalResult & { withoutVector: number };
    // 42 papers: the first 8 of each topic's 14 fall before 2026-02-01.
    assert.deepEqual(r.papers, { used: 42, before: 24, after: 18 });
    assert.equal(r.items, 18);
    // Twelve authors, four per topic, each on half or more of their topic's papers.
    assert.equal(r.readers.eligible, 12);
    assert.equal(r.readers.evaluated, 12);
    assert.deepEqual(r.methods.map((m) => m.method), ['linear', 'linear-embedding', 'linear-text', 'centroid', 'tfidf-svm', 'random']);
    const by = Object.fromEntries(r.methods.map((m) => [m.method, m]));
    for (const m of r.methods) for (const v of [m.ndcg10, m.recall50, m.mrr]) assert.ok(v >= 0 && v <= 1);
    // Topics are clean in the fixture: every learned method finds each author's topic, random does not.
    for (const name of ['linear', 'linear-embedding', 'linear-text', 'centroid', 'tfidf-svm']) assert.ok(by[name]!.ndcg10 > by.random!.ndcg10 + 0.2, `${name} ${by[name]!.ndcg10} vs random ${by.random!.ndcg10}`);
    assert.equal(by.linear!.recall50, 1, 'all 18 later papers fit in the top 50');

    const text = await runPaperboy(['eval-recs', '--data', data.dir, '--cutoff', '2026-02-01', '--method', 'linear', 'centroid'], { env: data.env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /cut-off 2026-02-01: 24 papers before, 18 on or after = the items every reader's ranking covers/);
    assert.match(text.stdout, /readers \(split all\): 12 evaluated of 12 eligible \(≥ 3 papers before, ≥ 2 after\)/);
    assert.match(text.stdout, /linear vs centroid: [+-]\d+\.\d % nDCG@10/);
    const again = await runPaperboy(['eval-recs', '--data', data.dir, '--cutoff', '2026-02-01', '--method', 'linear', 'centroid'], { env: data.env });
    assert.equal(again.stdout.replace(/ +[\d.]+\n/g, '\n'), text.stdout.replace(/ +[\d.]+\n/g, '\n'), 'the same figures again (timings aside)');
  });

  it('refuses a bad cut-off date', async () => {
    const r = await runPaperboy(['eval-recs', '--data', data.dir, '--cutoff', '2026-13-01'], { env: data.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cutoff.*expected a date as YYYY-MM-DD, got "2026-13-01"/);
  });

  it('leaves papers without an embedding out, unless only text methods run', async () => {
    const partial = await recsDataDir({ withoutVector: ['2601.90001', '2601.90002'] });
    const all = await runPaperboy(['eval-recs', '--data', partial.dir, '--cutoff', '2026-02-01', '--method', 'linear', 'tfidf-svm', '--json'], { env: partial.env });
    assert.equal(all.code, 0, all.stderr);
    const withVectors = JSON.parse(all.stdout) as RecsEvalResult & { withoutVector: number; textOnly: boolean };
    assert.equal(withVectors.textOnly, false);
    assert.equal(withVectors.withoutVector, 2);
    assert.equal(withVectors.papers.used, 40);
    const text = await runPaperboy(['eval-recs', '--data', partial.dir, '--cutoff', '2026-02-01', '--method', 'linear-text', 'tfidf-svm', '--json'], { env: partial.env });
    assert.equal(text.code, 0, text.stderr);
    const textOnly = JSON.parse(text.stdout) as RecsEvalResult & { withoutVector: number; textOnly: boolean };
    assert.equal(textOnly.textOnly, true);
    assert.equal(textOnly.withoutVector, 0);
    assert.deepEqual(textOnly.papers, { used: 42, before: 24, after: 18 });
    // The same ranking of the text methods whether or not the vectors are read, on the fully embedded fixture.
    const full = await runPaperboy(['eval-recs', '--data', data.dir, '--cutoff', '2026-02-01', '--method', 'linear-text', 'tfidf-svm', 'centroid', '--json'], { env: data.env });
    const fullResult = JSON.parse(full.stdout) as RecsEvalResult;
    for (const m of ['linear-text', 'tfidf-svm']) {
      assert.equal(textOnly.methods.find((x) => x.method === m)!.ndcg10, fullResult.methods.find((x) => x.method === m)!.ndcg10, m);
    }
  });
});
