import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { fraction, integer, nonNegativeInteger, positiveInteger, positiveNumber } from '../src/cli-args.js';

describe('CLI argument parsers', () => {
  it('accept what they name and reject everything else with a commander error', () => {
    expect(positiveInteger('2')).toBe(2);
    expect(positiveInteger(' 1_000_000 ')).toBe(1_000_000);
    expect(nonNegativeInteger('0')).toBe(0);
    expect(integer('-7')).toBe(-7);
    expect(positiveNumber('1.5')).toBe(1.5);
    expect(fraction('0')).toBe(0);
    expect(fraction('1')).toBe(1);
    const rejected: [(value: string) => number, string][] = [
      [positiveInteger, '0'],
      [positiveInteger, ''],
      [positiveInteger, '1.5'],
      [positiveInteger, '1e3'],
      [positiveInteger, '-1'],
      [positiveInteger, '9007199254740993'],
      [nonNegativeInteger, '-1'],
      [nonNegativeInteger, ' '],
      [integer, '--1'],
      [integer, '0x10'],
      [positiveNumber, '0'],
      [positiveNumber, ''],
      [positiveNumber, 'Infinity'],
      [fraction, '1.01'],
      [fraction, ''],
      [fraction, 'NaN'],
    ];
    for (const [parse, value] of rejected) {
      expect(() => parse(value), `${parse.name}(${JSON.stringify(value)})`).toThrow(InvalidArgumentError);
    }
  });
});
