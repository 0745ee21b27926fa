import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trendingScore } from '../../src/core/trending.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';

const NOW = Date.parse('2024-03-10T00:00:00Z');

describe('trending', () => {
  it('weighs votes, upvotes and stars, decays by age, and explains the parts', () => {
    const t = trendingScore({ localVotes: 2, hfUpvotes: 10, githubStars: 7, date: '2024-03-08' }, NOW);
    assert.deepEqual(t.parts, { localVotes: 2, hfUpvotes: 10, githubStars: 6, readers: 0, saves: 0 });
    assert.equal(t.attention, 18);
    assert.equal(t.ageDays, 2);
    assert.ok(Math.abs(t.score - 18 / 4 ** 1.5) < 1e-12);
    const older = trendingScore({ hfUpvotes: 10, date: '2024-02-10' }, NOW);
    const newer = trendingScore({ hfUpvotes: 10, date: '2024-03-09' }, NOW);
    assert.ok(newer.score > older.score);
    assert.equal(trendingScore({ date: null }, NOW).ageDays, 365);
    assert.equal(trendingScore({ hfUpvotes: -5, date: '2024-03-09' }, NOW).score, 0);
  });

  it('orders search results when asked to', async () => {
    const engine = new SearchEngine({ now: () => NOW });
    engine.upsert({ docId: 1, id: '2403.00001', title: 'Diffusion models', abstract: 'diffusion', authors: [], categories: [], date: '2024-03-01', signals: { hfUpvotes: 50 } });
    engine.upsert({ docId: 2, id: '2403.00002', title: 'Diffusion models again', abstract: 'diffusion diffusion', authors: [], categories: [], date: '2024-03-09', signals: { hfUpvotes: 20 } });
    engine.upsert({ docId: 3, id: '2403.00003', title: 'Diffusion', abstract: 'diffusion models', authors: [], categories: [], date: '2024-03-09' });
    const r = await engine.search({ query: 'diffusion', mode: 'lexical', sort: 'trending' });
    assert.deepEqual(r.hits.map((h) => h.docId), [2, 1, 3]);
  });
});
