import { describe, expect, it } from 'vitest';
import { Prng } from '../src/index.js';

describe('Prng', () => {
  it('draws the same numbers for a seed on every run (pinned: generated datasets depend on them)', () => {
    const rng = new Prng('pinned');
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      4080250467, 2264363447, 2903014659,
    ]);
    expect(new Prng('pinned').next()).toBe(4080250467 / 4294967296);
    expect(new Prng('other').nextUint32()).not.toBe(4080250467);
  });

  it('keeps int, chance and pick in range and roughly uniform', () => {
    const rng = new Prng('uniform');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[rng.int(4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(9_500);
    let heads = 0;
    for (let i = 0; i < 10_000; i++) if (rng.chance(0.3)) heads++;
    expect(heads).toBeGreaterThan(2_800);
    expect(heads).toBeLessThan(3_200);
    expect(['a', 'b', 'c']).toContain(rng.pick(['a', 'b', 'c']));
  });

  it('draws standard normal deviates (mean 0, variance 1), the same for the same seed', () => {
    const rng = new Prng('normal');
    const n = 40_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      squares += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.05);
    expect(new Prng('normal').normal()).toBe(new Prng('normal').normal());
  });
});
