import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lengthBatches } from '../../src/adapters/embedding/onnx-embedder.ts';

describe('bulk embedding batches grouped by token count', () => {
  it('sorts by token count (not characters), caps texts and padded tokens per batch, and covers every text once', () => {
    // Token counts of 9 texts: short titles and long abstracts, interleaved.
    const counts = [300, 12, 480, 14, 11, 250, 13, 20, 512];
    const batches = lengthBatches(counts, 4, 512);
    assert.deepEqual(batches, [[4, 1, 6, 3], [7], [5], [0], [2], [8]], JSON.stringify(batches));
    assert.deepEqual(batches.flat().sort((a, b) => a - b), counts.map((_, i) => i));
    for (const batch of batches) {
      const longest = Math.max(...batch.map((i) => counts[i]!));
      assert.ok(batch.length === 1 || batch.length * longest <= 512, `batch ${batch} pads to ${batch.length * longest} tokens`);
      assert.ok(batch.length <= 4);
      assert.ok(longest <= Math.min(...batch.map((i) => counts[i]!)) * 1.25 + 8, `batch ${batch} mixes lengths`);
    }
  });

  it('puts short texts of similar length together up to the batch size', () => {
    const counts = Array.from({ length: 40 }, (_, i) => 10 + (i % 3));
    const batches = lengthBatches(counts, 16, 512);
    assert.deepEqual(batches.map((b) => b.length), [16, 16, 8]);
    for (const batch of batches) assert.ok(Math.max(...batch.map((i) => counts[i]!)) - Math.min(...batch.map((i) => counts[i]!)) <= 1);
  });
});
