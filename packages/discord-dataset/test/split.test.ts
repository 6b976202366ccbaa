import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidationThread, splitPoint } from '../src/index.js';

describe('splitPoint', () => {
  it('is the first 8 bytes of sha256("<seed>:<rootId>") over 2^64', () => {
    const digest = createHash('sha256').update('7:1069213455380336711').digest();
    const expected = Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53;
    expect(splitPoint('7', '1069213455380336711')).toBe(expected);
  });

  it('is pinned: the same thread lands on the same side in every release', () => {
    expect(splitPoint('0', '1069213455380336711')).toMatchInlineSnapshot(`0.9285478460706501`);
    expect(splitPoint('0', '1')).toMatchInlineSnapshot(`0.933888385559881`);
  });

  it('puts about the requested share of threads in valid, and changes with the seed', () => {
    let valid = 0;
    let moved = 0;
    for (let i = 0; i < 20_000; i++) {
      const root = String(1_000_000_000_000_000_000n + BigInt(i));
      if (isValidationThread('0', root, 0.1)) valid++;
      if (isValidationThread('0', root, 0.1) !== isValidationThread('1', root, 0.1)) moved++;
    }
    expect(valid / 20_000).toBeGreaterThan(0.09);
    expect(valid / 20_000).toBeLessThan(0.11);
    expect(moved).toBeGreaterThan(1000);
  });

  it('sends nothing to valid at fraction 0 and everything at 1', () => {
    expect(isValidationThread('0', '5', 0)).toBe(false);
    expect(isValidationThread('0', '5', 1)).toBe(true);
  });
});
