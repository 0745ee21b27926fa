import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planMerge } from '../../src/core/search/segment/merge-policy.ts';

const sizes = (...docs: number[]) => docs.map((d) => ({ docs: d, deleted: 0 }));

describe('the merge policy', () => {
  it('leaves up to 8 segments without many deletes alone', () => {
    assert.equal(planMerge(sizes(10, 20, 30, 40, 50, 60, 70, 80)), null);
    assert.equal(planMerge([{ docs: 100, deleted: 25 }]), null);
  });

  it('rewrites the segment with the largest share of deleted documents above 25%', () => {
    assert.deepEqual(planMerge([{ docs: 100, deleted: 26 }, { docs: 10, deleted: 9 }, { docs: 50, deleted: 0 }]), [1]);
  });

  it('merges the run of adjacent segments with the fewest live documents that leaves 8', () => {
    assert.deepEqual(planMerge(sizes(1000, 900, 5, 6, 800, 700, 600, 500, 400)), [2, 3]);
    assert.deepEqual(planMerge(sizes(...Array.from({ length: 12 }, () => 10), 1000)), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(planMerge(sizes(5, 7, 3), 1), [0, 1, 2]);
  });
});
