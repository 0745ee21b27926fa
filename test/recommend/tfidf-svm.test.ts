import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sparseScore, trainLinearSvm } from '../../src/core/recommend/linear-svm.ts';
import { seededRandom } from '../../src/core/recommend/seeded-random.ts';
import { TermCountCache, tfidfMatrix, tfidfTerms, type TfidfOptions } from '../../src/core/recommend/tfidf.ts';

const TOPICS = [
  ['graph', 'neural', 'molecule', 'message', 'passing', 'node', 'edge', 'chemistry'],
  ['speech', 'audio', 'acoustic', 'recognition', 'spectrogram', 'speaker', 'phoneme', 'waveform'],
  ['galaxy', 'stellar', 'telescope', 'redshift', 'cosmic', 'survey', 'luminosity', 'halo'],
];
const COMMON = ['method', 'results', 'propose', 'model', 'data', 'show', 'approach', 'performance'];

function corpus(perTopic: number) {
  const random = seededRandom(3);
  const pick = (words: string[]) => words[Math.floor(random() * words.length)]!;
  const docs: { topic: number; text: string }[] = [];
  for (let t = 0; t < TOPICS.length; t++) {
    for (let i = 0; i < perTopic; i++) {
      docs.push({ topic: t, text: Array.from({ length: 30 }, () => (random() < 0.5 ? pick(TOPICS[t]!) : pick(COMMON))).join(' ') });
    }
  }
  return docs;
}

/** The textbook fit, written plainly with maps of strings: what the interned, cached fit must equal bit for bit. */
function referenceTfidf(texts: readonly string[], options: TfidfOptions) {
  const counts = texts.map((text) => {
    const c = new Map<string, number>();
    for (const term of tfidfTerms(text)) c.set(term, (c.get(term) ?? 0) + 1);
    return c;
  });
  const df = new Map<string, number>();
  const tf = new Map<string, number>();
  for (const c of counts) for (const [term, n] of c) { df.set(term, (df.get(term) ?? 0) + 1); tf.set(term, (tf.get(term) ?? 0) + n); }
  const kept = [...df].filter(([, d]) => d >= options.minDf && d <= options.maxDf * texts.length).map(([t]) => t);
  kept.sort((a, b) => tf.get(b)! - tf.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  const vocabulary = kept.slice(0, options.maxFeatures).sort();
  const column = new Map(vocabulary.map((t, i) => [t, i]));
  const rows = counts.map((c) => {
    const entries = [...c].flatMap(([t, n]) => (column.has(t) ? [[column.get(t)!, (1 + Math.log(n)) * (Math.log((1 + texts.length) / (1 + df.get(t)!)) + 1)] as [number, number]] : []));
    entries.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
    return entries.map(([col, v]) => [col, Math.fround(v / norm)]);
  });
  return { vocabulary, rows };
}

describe('tf-idf (arxiv-sanity-lite settings)', () => {
  it('gives the textbook rows bit for bit, with a shared cache across fits, evictions and dictionary resets too', () => {
    const random = seededRandom(11);
    const words = [...TOPICS.flat(), ...COMMON, 'Café', 'naïve', 'x2', 'of', 'the'];
    const texts = Array.from({ length: 120 }, () => Array.from({ length: 5 + Math.floor(random() * 40) }, () => words[Math.floor(random() * words.length)]!).join(' '));
    const shared = new TermCountCache(40, { compactAbove: 50 });
    for (const [i, options] of ([[0, { maxFeatures: 1e9, minDf: 2, maxDf: 0.5 }], [1, { maxFeatures: 25, minDf: 2, maxDf: 0.9 }], [2, { maxFeatures: 1e9, minDf: 1, maxDf: 1 }], [3, { maxFeatures: 1e9, minDf: 2, maxDf: 0.5 }]] as const)) {
      const subset = texts.filter((_, j) => (j + i) % (i + 2) !== 0);
      const want = referenceTfidf(subset, options);
      for (const got of [tfidfMatrix(subset, options), tfidfMatrix(subset, options, shared)]) {
        assert.deepEqual(got.vocabulary, want.vocabulary);
        const rows = subset.map((_, r) => Array.from(got.rows.indices.subarray(got.rows.offsets[r]!, got.rows.offsets[r + 1]!), (col, k) => [col, got.rows.values[got.rows.offsets[r]! + k]!]));
        assert.deepEqual(rows, want.rows);
      }
    }
    assert.ok(shared.size <= 120, 'the cache keeps at most its capacity, or the largest fit');
    // A fit larger than the capacity keeps all its texts (the next reader's fit of the same window
    // finds them), and the next smaller fit trims back to the capacity.
    const wide = new TermCountCache(10);
    const options = { maxFeatures: 1e9, minDf: 2, maxDf: 0.5 };
    tfidfMatrix(texts, options, wide);
    assert.equal(wide.size, texts.length);
    tfidfMatrix(texts.slice(0, 5), options, wide);
    assert.equal(wide.size, 10);
  });

  it('folds accents and case, drops stop words and adds bigrams of the words left', () => {
    assert.deepEqual(tfidfTerms('The Schrödinger equation, of a 2D x'), ['schrodinger', 'equation', 'schrodinger equation']);
  });

  it('keeps terms by document frequency and L2-normalises each row', () => {
    const { rows, vocabulary } = tfidfMatrix(['alpha beta', 'alpha gamma', 'alpha beta', 'delta'], { maxFeatures: 10, minDf: 2, maxDf: 0.6 });
    // alpha is in 3 of 4 papers (over maxDf), gamma and delta in one (under minDf).
    assert.deepEqual(vocabulary, ['alpha beta', 'beta']);
    for (let r = 0; r < rows.rows; r++) {
      let sq = 0;
      for (let p = rows.offsets[r]!; p < rows.offsets[r + 1]!; p++) sq += rows.values[p]! ** 2;
      assert.ok(sq === 0 || Math.abs(sq - 1) < 1e-6);
    }
  });
});

describe('the linear SVM', () => {
  it('ranks the papers of the positives\' topic first', () => {
    const docs = corpus(20);
    const { rows } = tfidfMatrix(docs.map((d) => d.text), { maxFeatures: 1000, minDf: 2, maxDf: 0.5 });
    const positives = new Set([20, 21, 22]); // topic 1
    const model = trainLinearSvm(rows, (r) => positives.has(r));
    const ranked = docs.map((d, row) => ({ row, topic: d.topic, score: sparseScore(model, rows, row) }))
      .filter((d) => !positives.has(d.row))
      .sort((a, b) => b.score - a.score);
    assert.deepEqual(new Set(ranked.slice(0, 17).map((d) => d.topic)), new Set([1]));
    assert.deepEqual(trainLinearSvm(rows, (r) => positives.has(r)).weights, model.weights, 'seeded: the same model twice');
  });
});

describe('the text side of the reader model', () => {
  it('scores papers by the terms they share with the likes, and against those of the dislikes', async () => {
    const { textProfileScorer, mixScores, standardise } = await import('../../src/core/recommend/text-profile.ts');
    const { rows } = tfidfMatrix(['quantum error correction codes', 'surface codes decoding', 'protein folding structure', 'protein docking structure', 'quantum protein'], { maxFeatures: 100, minDf: 1, maxDf: 1 });
    const liked = textProfileScorer(rows, [0]);
    assert.ok(liked(1) > liked(2), 'shares "codes" with the liked paper');
    const withDislike = textProfileScorer(rows, [0], [2]);
    assert.ok(withDislike(3) < 0 && withDislike(4) < liked(4));
    const z = standardise([1, 2, 3]);
    assert.ok(Math.abs(z[0]! + z[2]!) < 1e-12 && z[1] === 0);
    for (const x of mixScores([1, 2, 3], [3, 2, 1], 0.5)) assert.ok(Math.abs(x) < 1e-12, 'opposite sides cancel');
    assert.ok(mixScores([1, 2, 3], [3, 2, 1], 0.8)[2]! > 0);
  });

  it('discounts the terms every paper uses, so a paper sharing a rare term of the likes beats one sharing only common words', async () => {
    const { DEFAULT_TERM_SMOOTHING, termDiscount, textProfileScorer, TEXT_SIDE_TFIDF } = await import('../../src/core/recommend/text-profile.ts');
    const texts = [
      'lattice codes decoding method results', // liked
      'surface codes threshold', // shares the rare "codes"
      'method results analysis', // shares only words that a third of the papers use
      'lattice codes bounds',
      ...Array.from({ length: 10 }, (_, i) => `filler${i} method results`),
      ...Array.from({ length: 15 }, (_, i) => `other${i} study`),
    ];
    const { rows } = tfidfMatrix(texts, TEXT_SIDE_TFIDF);
    const rocchio = textProfileScorer(rows, [0]);
    assert.ok(rocchio(2) > rocchio(1), 'the plain profile (mean of the liked rows) prefers the generic paper');
    const discount = termDiscount(rows);
    const discounted = textProfileScorer(rows, [0], [], discount);
    assert.ok(discounted(1) > discounted(2), `discounted: ${discounted(1)} vs ${discounted(2)}`);
    // The discount is 1 / (δ + the column's mean square), and a large δ gives back the plain profile's order.
    const col = Array.from(rows.indices.subarray(rows.offsets[1]!, rows.offsets[2]!));
    const meanSquare = (c: number) => Array.from(rows.indices).reduce((s, x, p) => (x === c ? s + rows.values[p]! ** 2 : s), 0) / rows.rows;
    for (const c of col) assert.ok(Math.abs(discount[c]! - 1 / (DEFAULT_TERM_SMOOTHING + meanSquare(c))) < 1e-6 * discount[c]!);
    const wide = textProfileScorer(rows, [0], [], termDiscount(rows, 1e6));
    assert.ok(wide(2) > wide(1));
    assert.throws(() => termDiscount(rows, 0), /smoothing must be positive/);
  });
});
