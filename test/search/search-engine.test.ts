import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchEngine, type IndexedDoc } from '../../src/app/search/search-engine.ts';
import type { Logger } from '../../src/ports/logger.ts';

const docs: IndexedDoc[] = [
  { docId: 1, id: '2401.00001', title: 'Graph neural networks for molecules', abstract: 'We apply graph neural networks to molecular property prediction.', authors: ['Ada Lovelace'], categories: ['cs.LG', 'q-bio.BM'], date: '2024-01-02' },
  { docId: 2, id: '2401.00002', title: 'A survey of neural graph methods', abstract: 'This survey covers neural methods on graph data, including networks for molecules.', authors: ['Kurt Gödel'], categories: ['cs.LG'], date: '2024-01-05' },
  { docId: 3, id: '2402.00003', title: 'GPT-4 evaluation on <b>math</b> & logic', abstract: 'We evaluate GPT-4 and k-NN baselines on $\\mathbb{R}^d$ reasoning.', authors: ['Alan Turing'], categories: ['cs.CL'], date: '2024-02-01' },
  { docId: 4, id: 'hep-th/9901001', title: 'String theory, briefly', abstract: 'Strings and branes.', authors: ['Edward Witten'], categories: ['hep-th'], date: '1999-01-01' },
];

function engine(logger?: Logger) {
  const e = new SearchEngine(logger ? { logger } : {});
  docs.forEach((d) => e.upsert(d));
  return e;
}

describe('searching', () => {
  it('ranks by BM25F and explains each hit: scores, ranks, matched terms, an escaped snippet', async () => {
    const r = await engine().search({ query: 'graph neural molecules', mode: 'lexical' });
    assert.deepEqual(r.hits.map((h) => h.id), ['2401.00001', '2401.00002']);
    const top = r.hits[0]!;
    assert.equal(top.explanation.lexical?.rank, 1);
    assert.equal(top.explanation.semantic, null);
    assert.deepEqual(top.explanation.matchedTerms, ['graph', 'neural', 'molecul']);
    assert.match(top.snippet, /<mark>graph<\/mark> <mark>neural<\/mark>/);
    const gpt = await engine().search({ query: 'gpt-4', mode: 'lexical' });
    assert.equal(gpt.hits[0]!.id, '2402.00003');
    assert.ok(!gpt.hits[0]!.title.includes('&lt;'), 'titles stay raw; escaping is the renderer\'s job');
  });

  it('requires phrases in order, excludes words and phrases, and honours OR and fields', async () => {
    const e = engine();
    assert.deepEqual((await e.search({ query: '"graph neural networks"', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00001']);
    assert.deepEqual((await e.search({ query: '"neural graph"', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002']);
    assert.deepEqual((await e.search({ query: 'graph -survey', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00001']);
    assert.deepEqual((await e.search({ query: 'neural -"neural graph"', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00001']);
    assert.deepEqual((await e.search({ query: 'strings OR gpt-4', mode: 'lexical' })).hits.map((h) => h.id).sort(), ['2402.00003', 'hep-th/9901001']);
    assert.deepEqual((await e.search({ query: 'ti:survey', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002']);
    assert.deepEqual((await e.search({ query: 'au:godel', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002']);
  });

  it('filters by category (exact or archive), date range and author, and sorts by date', async () => {
    const e = engine();
    assert.deepEqual((await e.search({ query: 'graph cat:q-bio', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00001']);
    assert.deepEqual((await e.search({ query: 'graph', categories: ['cs'], from: '2024-01-03', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002']);
    assert.deepEqual((await e.search({ query: 'graph', to: '2024-01-03', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00001']);
    assert.deepEqual((await e.search({ query: 'graph', author: 'Godel', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002']);
    assert.deepEqual((await e.search({ query: 'graph molecules', sort: 'date', mode: 'lexical' })).hits.map((h) => h.id), ['2401.00002', '2401.00001']);
    const page2 = await e.search({ query: 'graph molecules', limit: 1, offset: 1, mode: 'lexical' });
    assert.deepEqual(page2.hits.map((h) => h.id), ['2401.00002']);
    assert.equal(page2.total, 2);
  });

  it('matches the author filter by whole name tokens in the authors field, accents folded (a substring of a name no longer matches)', async () => {
    const e = engine();
    const ids = async (author: string) => (await e.search({ query: '', author, mode: 'lexical' })).hits.map((h) => h.id);
    assert.deepEqual(await ids('Lovelace'), ['2401.00001']);
    assert.deepEqual(await ids('ada LOVELACE'), ['2401.00001']);
    assert.deepEqual(await ids('Kurt Gödel'), ['2401.00002']);
    assert.deepEqual(await ids('Lovel'), [], 'a part of a name is not a name');
    assert.deepEqual(await ids('Ada Turing'), [], 'every word of the author query must occur');
    assert.deepEqual(await ids('--'), [], 'no words: no match');
  });

  it('sorts by trending as the lists do: score, then attention, then the newer paper, then relevance (one order, ranking.ts)', async () => {
    const e = engine();
    const now = Date.parse('2024-03-01T00:00:00Z');
    // No signals anywhere: every score ties at 0, so the newer paper comes first, not the more relevant.
    const r = await e.search({ query: 'graph neural molecules', mode: 'lexical', sort: 'trending', now });
    assert.deepEqual(r.hits.map((h) => h.id), ['2401.00002', '2401.00001']);
    const browse = await e.search({ query: '', categories: ['cs.LG'], mode: 'lexical', sort: 'trending', now });
    assert.deepEqual(browse.hits.map((h) => h.id), ['2401.00002', '2401.00001']);
  });

  it('counts the matches per month for the results chart, following updates and removals', async () => {
    const e = engine();
    e.upsert({ docId: 1000, id: '2412.00009', title: 'Neural strings in December', abstract: 'Graph neural networks.', authors: ['A B'], categories: ['cs.LG'], date: '2024-12-31' });
    e.upsert({ docId: 1001, id: '2412.00010', title: 'Undated neural note', abstract: 'Neural.', authors: ['C D'], categories: ['cs.LG'], date: null });
    const months = async (query: string) => (await e.search({ query, mode: 'lexical' })).months;
    assert.deepEqual(await months('neural OR strings'), [
      { month: '1999-01', papers: 1 }, { month: '2024-01', papers: 2 }, { month: '2024-12', papers: 1 },
    ]);
    e.upsert({ ...docs[0]!, date: '2023-12-01' });
    e.remove(4);
    assert.deepEqual(await months('neural OR strings'), [
      { month: '2023-12', papers: 1 }, { month: '2024-01', papers: 1 }, { month: '2024-12', papers: 1 },
    ]);
    assert.deepEqual((await e.search({ query: '', author: 'Turing', mode: 'lexical' })).months, [{ month: '2024-02', papers: 1 }]);
  });

  it('jumps to a paper by arXiv id', async () => {
    const r = await engine().search({ query: 'arXiv:2402.00003v2' });
    assert.equal(r.mode, 'id');
    assert.deepEqual(r.hits.map((h) => h.id), ['2402.00003']);
    assert.deepEqual((await engine().search({ query: '2412.99999' })).notices, ['no paper 2412.99999 in this index']);
  });

  it('falls back to lexical search without a model, says so in every response and logs it once', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (event) => warnings.push(event) };
    const e = engine(logger);
    const first = await e.search({ query: 'graph' });
    const second = await e.search({ query: 'strings', mode: 'semantic' });
    assert.equal(first.mode, 'lexical');
    assert.equal(second.mode, 'lexical');
    assert.match(first.notices[0]!, /semantic search is unavailable: no embedding model is loaded \(run `npm run model:fetch`\)/);
    assert.equal(second.notices.length, 1);
    assert.deepEqual(warnings, ['search.semantic_unavailable']);
  });

  it('finds similar papers by words when there are no vectors, never the paper itself', async () => {
    const r = await engine().similar('2401.00001', 5);
    assert.equal(r.mode, 'lexical');
    assert.equal(r.hits[0]!.id, '2401.00002');
    assert.ok(!r.hits.some((h) => h.id === '2401.00001'));
  });

  it('updates and removes papers incrementally', async () => {
    const e = engine();
    e.upsert({ ...docs[3]!, title: 'Graph theory of strings' });
    assert.ok((await e.search({ query: 'graph', mode: 'lexical' })).hits.some((h) => h.id === 'hep-th/9901001'));
    e.remove(1);
    assert.ok(!(await e.search({ query: 'graph', mode: 'lexical' })).hits.some((h) => h.id === '2401.00001'));
    assert.equal(e.size, 3);
  });
});
