import { describe, expect, it } from 'vitest';
import { Prng } from '@prepkit/bench-harness';
import { drawChunk, positionTable } from '../src/sample-positions.js';
import type { SamplePositions } from '../src/sample-positions.js';

/** Random positions: some ranges empty, sizes from 1 to `max`. */
function positions(rng: Prng, tickers: number, max: number): SamplePositions {
  const per = () => Array.from({ length: tickers }, () => (rng.chance(0.2) ? 0 : 1 + rng.int(max)));
  const train = per();
  train[0] = 1 + rng.int(max); // at least one end to draw
  return {
    tickers: Array.from({ length: tickers }, (_, i) => `T${i}`),
    bars: Array.from({ length: tickers }, () => 1),
    first: [0, 1, 2].map(() => Array.from({ length: tickers }, () => rng.int(1000))),
    count: [train, per(), per()],
  };
}

describe('drawChunk', () => {
  it('finds the range of every draw as a plain binary search over all ranges does, and its split', () => {
    const rng = new Prng('positions');
    for (const [tickers, max] of [
      [1, 1],
      [1, 50],
      [3, 2],
      [40, 7],
      [700, 100_000],
    ] as const) {
      const p = positions(rng, tickers, max);
      const table = positionTable(p);
      const draws = drawChunk(table, 3, 1, 5000);
      const again = new Prng('3:1');
      for (let r = 0; r < 5000; r++) {
        const j = again.int(table.total);
        let k = 0;
        while (k + 1 < table.ticker.length && table.starts[k + 1]! <= j) k++;
        expect(draws.ticker[r]).toBe(table.ticker[k]);
        expect(draws.end[r]).toBe(table.first[k]! + (j - table.starts[k]!));
        expect(draws.split[r]).toBe(j < table.trainEnds ? 0 : j < table.trainEnds + table.validEnds ? 1 : 2);
      }
    }
  });
});
