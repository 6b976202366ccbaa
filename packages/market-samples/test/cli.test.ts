import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { withTempDir } from './helpers.js';

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
    },
  };
}

describe('parseArgs', () => {
  it('maps every configuration key to a flag', () => {
    const parsed = parseArgs([
      'build',
      '--n-samples',
      '1_000',
      '--seed',
      '3',
      '--n-jobs',
      '2',
      '--window',
      '8',
      '--horizons',
      '1,2',
    ]);
    expect(parsed).toMatchObject({
      command: 'build',
      nSamples: 1000,
      seed: 3,
      overrides: { n_jobs: '2', window: '8', horizons: '1,2' },
    });
  });

  it('rejects bad flags', () => {
    expect(() => parseArgs(['build'])).toThrow(/required option '--n-samples <n>' not specified/);
    expect(() => parseArgs(['build', '--n-samples', '0'])).toThrow(/must be a positive integer/);
    expect(() => parseArgs(['build', '--n-samples', '5', '--bogus'])).toThrow(/unknown option '--bogus'/);
    expect(() => parseArgs(['import-csv', 'a.csv', '--ticker', '../etc'])).toThrow(/it names a file/);
  });
});

describe('main', () => {
  it('generates, builds and inspects; bad config exits 2 with the key named', async () => {
    await withTempDir(async (dir) => {
      const data = join(dir, 'data');
      const common = ['--data-dir', data, '--tickers', 'AAA,BBB', '--window', '8', '--horizons', '1,3'];
      let r = io();
      expect(await main(['generate-raw', '--bars', '1500', '--seed', '2', ...common], r.io)).toBe(0);
      r = io();
      expect(await main(['build', '--n-samples', '400', '--n-jobs', '1', '--quiet', ...common], r.io)).toBe(
        0,
      );
      r = io();
      expect(await main(['build', '--n-samples', '400', ...common], r.io)).toBe(2);
      expect(r.out.stderr).toMatch(/samples_400\.parquet exists; pass --overwrite/);
      r = io();
      expect(await main(['inspect', join(data, 'samples_400.parquet')], r.io)).toBe(0);
      expect(r.out.stdout).toMatch(/400 rows, 1 row groups, ZSTD/);
      expect(r.out.stdout).toMatch(/features +FLOAT\[40\]|features +FLOAT\[\]/);
      expect(r.out.stdout).toMatch(/sample 0: (AAA|BBB) (train|valid|test) window ending/);
      expect(r.out.stdout).toMatch(/close 1\.00000/);
      const yaml = join(dir, 'bad.yaml');
      await writeFile(yaml, 'windows: 12\n');
      r = io();
      expect(await main(['build', '--n-samples', '10', '--config', yaml], r.io)).toBe(2);
      expect(r.out.stderr).toMatch(/config windows: unknown key/);
    });
  });
});
