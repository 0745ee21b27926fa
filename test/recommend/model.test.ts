import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { centroidScorer } from '../../src/core/recommend/centroid.ts';
import { closestRated } from '../../src/core/recommend/explain.ts';
import { rankCandidates } from '../../src/core/recommend/rank.ts';
import { buildBackground, ReaderModel, type RatingLabel } from '../../src/core/recommend/reader-model.ts';
import { sampleWithoutReplacement, seededRandom } from '../../src/core/recommend/seeded-random.ts';
import { choleskySolve, cholesky } from '../../src/core/recommend/symmetric-solve.ts';
import { topicVectors } from './topic-vectors.ts';

const { dims, papers } = topicVectors({ topics: 3, perTopic: 40 });
const byId = new Map(papers.map((p) => [p.id, p]));
// A sample of 100 of the 120 papers in 32 dimensions: a ridge of 0.05 keeps the whitening from fitting noise.
const RIDGE = 0.05;
const background = buildBackground(sampleWithoutReplacement(papers, 100, seededRandom(1)).map((p) => p.vector), dims, RIDGE);

function recommend(ratings: [string, RatingLabel][], limit = papers.length) {
  const model = new ReaderModel(background);
  for (const [id, label] of ratings) model.add(byId.get(id)!.vector, label);
  const rated = new Set(ratings.map(([id]) => id));
  const candidates = papers.map((p, seq) => ({ seq, vector: p.vector })).filter(({ seq }) => !rated.has(papers[seq]!.id));
  return rankCandidates(candidates, model.scorer().score, limit).map((h) => ({ ...h, paper: papers[h.seq]! }));
}

const meanRank = (ranked: ReturnType<typeof recommend>, topic: number) => {
  const ranks = ranked.flatMap((h, i) => (h.paper.topic === topic ? [i + 1] : []));
  return ranks.reduce((a, b) => a + b, 0) / ranks.length;
};

describe('the reader model', () => {
  it('moves the ranking toward the topic of the likes', () => {
    const likesA = recommend([['t0-00', 'like'], ['t0-01', 'like'], ['t0-02', 'like']], 20);
    assert.deepEqual(new Set(likesA.map((h) => h.paper.topic)), new Set([0]));
    const likesB = recommend([['t1-00', 'like'], ['t1-01', 'like'], ['t1-02', 'like']], 20);
    assert.deepEqual(new Set(likesB.map((h) => h.paper.topic)), new Set([1]));
  });

  it('moves the ranking away from the topic of the dislikes', () => {
    const likes: [string, RatingLabel][] = [['t0-00', 'like'], ['t2-00', 'like']];
    const before = recommend(likes);
    const after = recommend([...likes, ['t2-01', 'dislike'], ['t2-02', 'dislike'], ['t2-03', 'dislike']]);
    assert.ok(meanRank(after, 2) > meanRank(before, 2) + 10, `topic 2's mean rank ${meanRank(before, 2)} -> ${meanRank(after, 2)}`);
    assert.ok(meanRank(after, 0) < meanRank(before, 0), `topic 0's mean rank ${meanRank(before, 0)} -> ${meanRank(after, 0)}`);
    assert.ok(before.slice(0, 20).some((h) => h.paper.topic === 2));
    assert.ok(!after.slice(0, 20).some((h) => h.paper.topic === 2));
  });

  it('trained one rating at a time equals the closed-form ridge solution', () => {
    const ratings: [string, RatingLabel][] = [['t0-03', 'like'], ['t1-04', 'like'], ['t0-05', 'like'], ['t2-06', 'dislike']];
    const model = new ReaderModel(background, { likeWeight: 0.7, dislikeWeight: 0.4 });
    for (const [id, label] of ratings) model.add(byId.get(id)!.vector, label);
    const { weights, bias } = model.scorer();
    // Normal equations written out: (S + λI + Σ c x̃x̃ᵀ) w̃ = Σ c y x̃.
    const m = dims + 1;
    const sample = sampleWithoutReplacement(papers, 100, seededRandom(1)).map((p) => p.vector);
    const a = new Float64Array(m * m);
    const r = new Float64Array(m);
    const aug = (v: Float32Array) => [...v, 1];
    for (const v of sample) {
      const x = aug(v);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) a[i * m + j]! += (x[i]! * x[j]!) / sample.length;
    }
    for (let i = 0; i < m; i++) a[i * m + i]! += background.ridge;
    for (const [id, label] of ratings) {
      const x = aug(byId.get(id)!.vector);
      const c = label === 'like' ? 0.7 / 3 : 0.4 / 1;
      const y = label === 'like' ? 1 : -1;
      for (let i = 0; i < m; i++) {
        r[i]! += c * y * x[i]!;
        for (let j = 0; j < m; j++) a[i * m + j]! += c * x[i]! * x[j]!;
      }
    }
    const direct = choleskySolve(cholesky(a, m), m, r);
    for (let i = 0; i < dims; i++) assert.ok(Math.abs(direct[i]! - weights[i]!) < 1e-8, `weight ${i}: ${direct[i]} vs ${weights[i]}`);
    assert.ok(Math.abs(direct[dims]! - bias) < 1e-8);
  });

  it('with a very large ridge ranks like the centroid of the likes', () => {
    const wide = buildBackground(papers.slice(0, 30).map((p) => p.vector), dims, 1e6);
    const likes = ['t0-00', 't1-00', 't1-01'];
    const model = new ReaderModel(wide, { likeWeight: 1 });
    for (const id of likes) model.add(byId.get(id)!.vector, 'like');
    const candidates = papers.map((p, seq) => ({ seq, vector: p.vector }));
    const centroid = centroidScorer(likes.map((id) => byId.get(id)!.vector), dims);
    assert.deepEqual(rankCandidates(candidates, model.scorer().score, 15).map((h) => h.seq), rankCandidates(candidates, centroid, 15).map((h) => h.seq));
  });

  it('gives every paper the score 0 without ratings, and repeats itself exactly', () => {
    const empty = new ReaderModel(background).scorer();
    assert.equal(empty.score(papers[0]!.vector), 0);
    const again = buildBackground(sampleWithoutReplacement(papers, 100, seededRandom(1)).map((p) => p.vector), dims, RIDGE);
    assert.deepEqual(again.inverse, background.inverse);
    const first = recommend([['t1-09', 'like'], ['t0-09', 'dislike']], 10);
    const second = recommend([['t1-09', 'like'], ['t0-09', 'dislike']], 10);
    assert.deepEqual(first, second);
  });
});

describe('explanations', () => {
  it('name the liked paper closest to the recommendation', () => {
    const liked = ['t0-00', 't1-00', 't2-00'].map((id) => ({ id, vector: byId.get(id)!.vector }));
    for (const topic of [0, 1, 2]) {
      const because = closestRated(byId.get(`t${topic}-17`)!.vector, liked, 2);
      assert.equal(because[0]!.id, `t${topic}-00`);
      assert.equal(because.length, 2);
      assert.ok(because[0]!.similarity > because[1]!.similarity);
    }
  });
});
