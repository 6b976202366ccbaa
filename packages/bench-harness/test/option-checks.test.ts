import { describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  assertFraction,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
  exitCodeFor,
} from '../src/errors-entry.js';

describe('option checks', () => {
  it('accept what is valid', () => {
    expect(() => assertPositiveInteger('threads', 2)).not.toThrow();
    expect(() => assertNonNegativeInteger('warmup', 0)).not.toThrow();
    expect(() => assertFraction('validFraction', 1)).not.toThrow();
    expect(() => assertNonEmptyString('table', 't')).not.toThrow();
    expect(() => assertOneOf('mode', 'fast', ['fast', 'slow'])).not.toThrow();
  });

  it.each([
    [() => assertPositiveInteger('threads', 0), 'options.threads must be a positive integer (got 0)'],
    [() => assertPositiveInteger('threads', 1.5), 'options.threads must be a positive integer (got 1.5)'],
    [() => assertPositiveInteger('threads', '2'), 'options.threads must be a positive integer (got 2)'],
    [() => assertNonNegativeInteger('warmup', -1), 'options.warmup must be a non-negative integer (got -1)'],
    [
      () => assertFraction('validFraction', NaN),
      'options.validFraction must be a number from 0 to 1 (got NaN)',
    ],
    [() => assertNonEmptyString('table', ''), 'options.table must be a non-empty string (got )'],
    [
      () => assertOneOf('mode', 'warp', ['fast', 'slow']),
      'options.mode must be one of fast, slow (got warp)',
    ],
  ])('reject what is not, naming the option (%#)', (check, message) => {
    expect(check).toThrow(InvalidOptionError);
    expect(check).toThrow(message);
  });

  it('are configuration errors: exit code 2', () => {
    expect(exitCodeFor(new InvalidOptionError('x'))).toBe(2);
  });
});
