import { describe, expect, it } from 'vitest';
import { planBatches } from '../src/batching.js';

describe('planBatches', () => {
  it('sorts longest first, keeps every text once, and stays within the token budget', () => {
    const lengths = [5, 0, 40, 7, 39, 6, 12, 40, 3];
    const batches = planBatches(lengths, 100);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5, 6, 7, 8]);
    for (const batch of batches) {
      const longest = Math.max(...batch.map((i) => lengths[i]!));
      expect(batch.length * longest).toBeLessThanOrEqual(100);
    }
    expect(batches[0]).toEqual([2, 7]);
  });

  it('puts a text longer than the budget alone, and keeps table order when asked', () => {
    expect(planBatches([300, 2, 2], 100)).toEqual([[0], [1, 2]]);
    expect(planBatches([2, 30, 2, 2], 64, 'table')).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(planBatches([3, 3, 3, 3, 3], 1000, 'table', 2)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('starts a new batch where lengths fall below 90% of the longest, once a batch is big enough', () => {
    const lengths = [...Array<number>(20).fill(50), ...Array<number>(20).fill(10)];
    // Budget 2,000: 20 × 50 = 1,000 tokens ≥ a tenth of it, so the 10-token texts go apart.
    expect(planBatches(lengths, 2000).map((b) => b.length)).toEqual([20, 20]);
    // Budget 20,000: 1,000 tokens is not yet a tenth, so they share the batch.
    expect(planBatches(lengths, 20_000).map((b) => b.length)).toEqual([40]);
  });
});
