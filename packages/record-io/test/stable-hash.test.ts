import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stableUnit } from '../src/index.js';

describe('stableUnit', () => {
  it('is the top 53 bits of the first 8 bytes of SHA-256, over 2^53', () => {
    for (const key of ['', 'a', '0:1069213455380336711', '7\u0000probe-42', 'ünïcødé']) {
      const top = createHash('sha256').update(key, 'utf8').digest().readBigUInt64BE(0) >> 11n;
      expect(stableUnit(key)).toBe(Number(top) / 2 ** 53);
    }
  });

  it('keeps the values pipelines already wrote with it (pinned)', () => {
    expect(stableUnit('0:1069213455380336711')).toBe(0.9285478460706501);
  });

  it('spreads keys evenly over [0, 1)', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(stableUnit(`key-${i}`) * 10)]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });
});
