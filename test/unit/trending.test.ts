import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trendingRank, trendingScore } from '../../src/core/trending.ts';
import { SearchEngine } from '../../src/app/search/search-engine.ts';

const NOW = Date.parse('2024-03-10T00:00:00Z');

describe('trending', () => {
  it('ranks with exactly the numbers of the full score (the lean key used to order lists)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const now = Date.parse('2026-11-30T12:00:00Z');
    for (let i = 0; i < 500; i++) {
      const owned = { localVotes: Math.floor(rand() * 50), hfUpvotes: rand() < 0.3 ? null : Math.floor(rand() * 300), githubStars: Math.floor(rand() * 5000) };
      const gained = rand() < 0.5 ? null : { localVotes: Math.floor(rand() * 9), hfUpvotes: Math.floor(rand() * 40), githubStars: Math.floor(rand() * 300), readers: Math.floor(rand() * 20), saves: Math.floor(rand() * 5) };
      const day = rand() < 0.1 ? null : 20_400 + Math.floor(rand() * 100);
      const date = day === null ? null : new Date(day * 86_400_000).toISOString().slice(0, 10);
      const full = trendingScore({ ...owned, date, gained }, now);
      const lean = trendingRank(owned, gained, day === null ? NaN : day * 86_400_000, now);
      assert.equal(lean.score, full.score);
      assert.equal(lean.attention, full.attention);
    }
  });

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
