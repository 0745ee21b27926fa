import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCK, blockMaxes, searchBlockMax, WINDOW, WindowScratch, type BlockMaxTerm } from '../../src/core/search/segment/block-max.ts';
import { random } from './segment-helpers.ts';

/** A term found in a fraction `density` of `slots`, contributions skewed (most small, a few large). */
function term(rand: () => number, slots: number, density: number, weight: number): BlockMaxTerm {
  const docs: number[] = [];
  for (let s = 0; s < slots; s++) if (rand() < density) docs.push(s);
  const sat = Float32Array.from(docs, () => rand() ** 3);
  return { docs: Int32Array.from(docs), length: docs.length, sat, weight, blocks: blockMaxes(sat, docs.length) };
}

/** Every posting scored: the reference top k (score descending, ties by doc id) and the number of matching documents. */
function exhaustive(terms: readonly BlockMaxTerm[], slotDoc: Int32Array, limit: number, filter?: (doc: number) => boolean) {
  const scores = new Float64Array(slotDoc.length).fill(-1);
  for (const t of terms) {
    for (let j = 0; j < t.length; j++) {
      const slot = t.docs[j]!;
      if (slotDoc[slot] !== -1) scores[slot] = Math.max(0, scores[slot]!) + t.weight * t.sat[j]!;
    }
  }
  const hits: { docId: number; score: number }[] = [];
  scores.forEach((score, slot) => {
    if (score >= 0 && (!filter || filter(slotDoc[slot]!))) hits.push({ docId: slotDoc[slot]!, score });
  });
  return { top: hits.sort((a, b) => b.score - a.score || a.docId - b.docId).slice(0, limit), matching: hits.length };
}

describe('block-max MaxScore', () => {
  it('block maxima are the largest value of each block of postings', () => {
    const sat = Float32Array.from({ length: BLOCK * 2 + 3 }, (_, i) => (i === 5 ? 0.9 : i === BLOCK + 7 ? 0.8 : i === 2 * BLOCK + 2 ? 0.7 : 0.1));
    assert.deepEqual(Array.from(blockMaxes(sat, sat.length), (v) => Math.round(v * 10) / 10), [0.9, 0.8, 0.7]);
    assert.deepEqual(Array.from(blockMaxes(sat, BLOCK)), [Math.fround(0.9)]);
  });

  it('returns the top k of scoring every posting, with filters, deletions and a floor, and skips windows', () => {
    const rand = random(7);
    const slots = WINDOW * 12 + 321;
    const slotDoc = Int32Array.from({ length: slots }, (_, s) => (rand() < 0.03 ? -1 : 100_000 + s));
    const scratch = new WindowScratch();
    let skipped = 0;
    let windows = 0;
    let completed = 0;
    let touchedEssential = 0;
    for (let q = 0; q < 40; q++) {
      const n = 2 + (q % 4);
      // One rare, weighty term and common, light ones: the shape block-max pruning is for.
      const terms = Array.from({ length: n }, (_, i) => (i === 0 ? term(rand, slots, 0.002 + rand() * 0.01, 3 + rand() * 3) : term(rand, slots, 0.05 + rand() * 0.4, 0.2 + rand())));
      const limit = [1, 10, 200][q % 3]!;
      const filter = q % 5 === 0 ? (doc: number) => doc % 3 !== 0 : undefined;
      const { top: want, matching } = exhaustive(terms, slotDoc, limit, filter);
      const counts = { windows: 0, skipped: 0, completed: 0 };
      const got = searchBlockMax(terms, { limit, slotDoc, slots, filter, counts }, scratch).sorted();
      assert.equal(got.length, want.length, `query ${q}`);
      got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) < 1e-5, `query ${q} rank ${i}: ${h.score} vs ${want[i]!.score}`));
      const wantScore = new Map(want.map((h) => [h.docId, h.score]));
      for (const h of got) assert.ok(Math.abs((wantScore.get(h.docId) ?? -1) - h.score) < 1e-5, `query ${q}: doc ${h.docId} is not in the top ${limit}`);
      // A floor keeps exactly the hits at or above it.
      if (want.length >= 3) {
        const floor = want[2]!.score;
        const floored = searchBlockMax(terms, { limit, slotDoc, slots, filter, floor }, scratch).sorted();
        assert.deepEqual(floored.filter((h) => h.score >= floor + 1e-5).map((h) => h.docId), want.filter((h) => h.score >= floor + 1e-5).map((h) => h.docId), `query ${q} floor`);
      }
      skipped += counts.skipped;
      windows += counts.windows;
      completed += counts.completed;
      touchedEssential += matching;
    }
    assert.ok(skipped > 0, 'no window was ever skipped');
    assert.ok(skipped < windows);
    assert.ok(completed < touchedEssential / 4, `completed ${completed} of ${touchedEssential} matching documents: little was pruned`);
  });

  it('handles terms without postings, a limit of zero, and postings in one far window only', () => {
    const scratch = new WindowScratch();
    const slotDoc = Int32Array.from({ length: WINDOW * 5 }, (_, s) => s);
    const empty: BlockMaxTerm = { docs: new Int32Array(0), length: 0, sat: new Float32Array(0), weight: 1, blocks: new Float32Array(0) };
    const far: BlockMaxTerm = { docs: Int32Array.of(WINDOW * 4 + 1, WINDOW * 4 + 9), length: 2, sat: Float32Array.of(0.5, 0.25), weight: 2, blocks: Float32Array.of(0.5) };
    assert.deepEqual(searchBlockMax([empty, far], { limit: 5, slotDoc, slots: slotDoc.length }, scratch).sorted(), [
      { docId: WINDOW * 4 + 1, score: 1 },
      { docId: WINDOW * 4 + 9, score: 0.5 },
    ]);
    assert.deepEqual(searchBlockMax([far], { limit: 0, slotDoc, slots: slotDoc.length }, scratch).sorted(), []);
    assert.deepEqual(searchBlockMax([empty], { limit: 3, slotDoc, slots: slotDoc.length }, scratch).sorted(), []);
  });
});
