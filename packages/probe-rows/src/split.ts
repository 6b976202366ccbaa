import { stableUnit } from '@prepkit/record-io';

export type Split = 'train' | 'test';

/**
 * Train or test for a group key: record-io's `stableUnit` of `${seed}\0${key}` below `testFraction`
 * means test. The same key lands on the same side in every run, every mode and every DuckDB version.
 */
export function splitOf(key: string, seed: number, testFraction: number): Split {
  return stableUnit(`${seed}\0${key}`) < testFraction ? 'test' : 'train';
}
