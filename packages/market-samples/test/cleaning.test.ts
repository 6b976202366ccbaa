import { describe, expect, it } from 'vitest';
import { allocateBars, cleanBars } from '../src/index.js';

const MIN = 60_000_000;

function bars(rows: number[][]) {
  const b = allocateBars(rows.length);
  rows.forEach(([t, o, h, l, c, v], i) => {
    b.time[i] = t!;
    b.open[i] = o!;
    b.high[i] = h!;
    b.low[i] = l!;
    b.close[i] = c!;
    b.volume[i] = v!;
  });
  return b;
}

describe('cleanBars', () => {
  const raw = bars([
    [2 * MIN, 10, 11, 9, 10.5, 100],
    [1 * MIN, 10, 11, 9, 10, 100], // out of order
    [2 * MIN, 99, 99, 99, 99, 1], // duplicate time: the first valid row wins
    [3 * MIN, 10, 10.2, 9, 10.5, 100], // high below close: repaired
    [4 * MIN, Number.NaN, 11, 9, 10, 100], // bad price
    [5 * MIN, 10, 11, 9, 0, 100], // non-positive close
    [6 * MIN, 10, 11, 9, 10, -1], // bad volume
    [Number.NaN, 10, 11, 9, 10, 5], // bad time
    [20 * MIN, 10, 11, 9, 10, 0], // after a gap; zero volume is kept
  ]);

  it('sorts, drops, repairs and counts every change', () => {
    const { bars: out, gap, report } = cleanBars(raw);
    expect(Array.from(out.time)).toEqual([1, 2, 3, 20].map((m) => m * MIN));
    expect(out.open[1]).toBe(10);
    expect(out.high[2]).toBe(10.5);
    expect(Array.from(gap)).toEqual([0, 0, 0, 1]);
    expect(report).toEqual({
      inputRows: 9,
      droppedBadTime: 1,
      droppedBadPrice: 2,
      droppedBadVolume: 1,
      droppedInconsistent: 0,
      droppedDuplicates: 1,
      repairedHighLow: 1,
      outOfOrder: 1,
      gaps: 1,
      medianSpacingUs: MIN,
      keptRows: 4,
    });
  });

  it('drops inconsistent bars instead when asked, and measures gaps against a given spacing', () => {
    const { report, gap } = cleanBars(raw, { inconsistentBars: 'drop', spacingUs: 20 * MIN });
    expect(report).toMatchObject({ droppedInconsistent: 1, repairedHighLow: 0, keptRows: 3, gaps: 0 });
    expect(Array.from(gap)).toEqual([0, 0, 0]);
  });
});
