import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors-entry.js';
import { parseBenchArgs } from '../src/index.js';

describe('parseBenchArgs', () => {
  it('has defaults for a full run', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, json: false, noSave: false });
  });

  it('parses every flag', () => {
    expect(
      parseBenchArgs([
        '--quick',
        '--repeats',
        '5',
        '--warmup',
        '0',
        '--variants',
        'a,b',
        '--json',
        '--no-save',
      ]),
    ).toEqual({ quick: true, repeats: 5, warmup: 0, variants: ['a', 'b'], json: true, noSave: true });
  });

  it('rejects a repeat count that is not a positive integer, as a usage error', () => {
    expect(() => parseBenchArgs(['--repeats', '0'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--repeats', '0'])).toThrow('must be a positive integer');
  });

  it('gives back the help text instead of printing it', () => {
    const parsed = parseBenchArgs(['--help'], 'Measures a thing.');
    expect('help' in parsed && parsed.help).toMatch(
      /Usage: bench \[options\][\s\S]*Measures a thing\.[\s\S]*--quick/,
    );
  });
});
