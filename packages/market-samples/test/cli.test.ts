import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@prepkit/bench-harness/errors';
import type { CliIo } from '@prepkit/bench-harness/cli';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { DEFAULT_BUILD_SAMPLES_OPTIONS } from '../src/index.js';
import { withTempDir } from './helpers.js';

function capture(signal?: AbortSignal) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: {},
    ...(signal === undefined ? {} : { signal }),
  };
  return { out, io };
}

/** Runs the CLI and expects exit code 2 with exactly one line on stderr; returns that line. */
async function failsWithOneLine(argv: string[]): Promise<string> {
  const { out, io } = capture();
  expect(await main(argv, io)).toBe(2);
  const lines = out.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^market-samples: /);
  return lines[0]!;
}

describe('parseArgs', () => {
  it('maps configuration flags to options, --threads with --n-jobs as a hidden alias', () => {
    const argv = ['build', '--n-samples', '1_000', '--seed', '3', '--window', '8', '--horizons', '1,2'];
    expect(parseArgs([...argv, '--threads', '2'])).toMatchObject({
      command: 'build',
      configFile: undefined,
      options: { nSamples: 1000, seed: 3, threads: 2, window: 8, horizons: [1, 2] },
    });
    expect(parseArgs([...argv, '--n-jobs', '2'])).toMatchObject({ options: { threads: 2 } });
    // Only what the user gave: the library fills in the defaults.
    const bare = parseArgs(['build', '--n-samples', '5']);
    expect(bare).toMatchObject({ options: { nSamples: 5 } });
    expect(Object.values((bare as { options: object }).options).filter((v) => v !== undefined)).toEqual([5]);
  });

  it('shows the defaults of DEFAULT_BUILD_SAMPLES_OPTIONS in --help, not the hidden alias', () => {
    const help = parseArgs(['build', '--help']);
    expect(help.command).toBe('help');
    const text = (help as { text: string }).text.replace(/\s+/g, ' ');
    expect(text).toContain(`config key window (default: ${DEFAULT_BUILD_SAMPLES_OPTIONS.window})`);
    expect(text).toContain('config key n_jobs (default: all cores)');
    expect(text).toContain('(default: every raw file present in data_dir, by name)');
    expect(text).not.toContain('--n-jobs');
  });

  it('rejects bad flags with UsageError', () => {
    expect(() => parseArgs(['build'])).toThrow(UsageError);
    expect(() => parseArgs(['build'])).toThrow(/required option '--n-samples <n>' not specified/);
    expect(() => parseArgs(['build', '--n-samples', '0'])).toThrow(/must be a positive integer/);
    expect(() => parseArgs(['build', '--n-samples', '5', '--bogus'])).toThrow(/unknown option '--bogus'/);
    expect(() => parseArgs(['import-csv', 'a.csv', '--ticker', '../etc'])).toThrow(/it names a file/);
    expect(() => parseArgs(['build', '--n-samples', '5', '--window', '1'])).toThrow(
      /^--window: must be an integer >= 2 \(got 1\)/,
    );
  });
});

describe('main', () => {
  it('builds from the raw files present when no tickers are named; generates, refuses to overwrite, inspects', async () => {
    await withTempDir(async (dir) => {
      const data = join(dir, 'data');
      const layout = ['--data-dir', data];
      const shape = ['--window', '8', '--horizons', '1,3'];
      let r = capture();
      const generate = [
        'generate-raw',
        '--tickers',
        'AAPL,GOOG,SPY',
        '--bars',
        '1500',
        '--seed',
        '2',
        ...layout,
      ];
      expect(await main([...generate, '--quiet'], r.io)).toBe(0);
      expect(r.out.stderr).toBe('');
      expect(await failsWithOneLine(generate)).toMatch(/raw_AAPL\.parquet exists; pass --overwrite/);
      r = capture();
      expect(
        await main(['build', '--n-samples', '400', '--threads', '1', '--json', ...layout, ...shape], r.io),
      ).toBe(0);
      const report = JSON.parse(r.out.stdout) as { facts: { result: { tickers: { ticker: string }[] } } };
      expect(report.facts.result.tickers.map((t) => t.ticker)).toEqual(['AAPL', 'GOOG', 'SPY']);
      expect((await readdir(data)).sort()).toEqual([
        'manifest.json',
        'meta_scaler.json',
        'raw_AAPL.parquet',
        'raw_GOOG.parquet',
        'raw_SPY.parquet',
        'samples_400.parquet',
      ]);
      expect(await failsWithOneLine(['build', '--n-samples', '400', ...layout, ...shape])).toMatch(
        /samples_400\.parquet exists; pass --overwrite/,
      );
      expect(
        await failsWithOneLine([
          'build',
          '--n-samples',
          '400',
          '--tickers',
          'AAA,BBB',
          '--overwrite',
          ...layout,
        ]),
      ).toMatch(
        /no raw file raw_AAA\.parquet, raw_BBB\.parquet; present: raw_AAPL\.parquet, raw_GOOG\.parquet, raw_SPY\.parquet\. Name the tickers to use with --tickers/,
      );
      r = capture();
      expect(await main(['inspect', join(data, 'samples_400.parquet')], r.io)).toBe(0);
      expect(r.out.stdout).toMatch(/400 rows, 1 row groups, ZSTD/);
      expect(r.out.stdout).toMatch(/sample 0: (AAPL|GOOG|SPY) (train|valid|test) window ending/);
      expect(r.out.stdout).toMatch(/close 1\.00000/);
      const yaml = join(dir, 'bad.yaml');
      await writeFile(yaml, 'windows: 12\n');
      expect(await failsWithOneLine(['build', '--n-samples', '10', '--config', yaml])).toMatch(
        /bad\.yaml: windows: unknown key/,
      );
    });
  });

  it('bad flags and missing inputs give one line and exit code 2, never echoing a password', async () => {
    expect(await failsWithOneLine(['build', '--n-samples', '5', '--bogus'])).toMatch(
      /unknown option '--bogus'/,
    );
    const url = 'postgresql://u:secret@127.0.0.1:notaport/db';
    const line = await failsWithOneLine(['build', '--n-samples', '5', '--db', url]);
    expect(line).toMatch(/unknown option '--db'/);
    expect(line).not.toContain('secret');
    expect(await failsWithOneLine(['inspect', '/nonexistent/samples.parquet'])).toMatch(
      /\/nonexistent\/samples\.parquet: no such file/,
    );
    expect(
      await failsWithOneLine([
        'import-csv',
        '/nonexistent/a.csv',
        '--ticker',
        'A',
        '--output',
        '/nonexistent/r.parquet',
      ]),
    ).toMatch(/\/nonexistent\/a\.csv: no such file/);
    expect(await failsWithOneLine(['build', '--n-samples', '5', '--data-dir', '/nonexistent/data'])).toMatch(
      /\/nonexistent\/data: no raw files/,
    );
  });

  it('an interrupted run exits 130, says so and leaves no file', async () => {
    await withTempDir(async (dir) => {
      const controller = new AbortController();
      controller.abort(new Error('interrupted'));
      for (const argv of [
        ['build', '--n-samples', '5', '--tickers', 'A', '--data-dir', dir],
        ['generate-raw', '--bars', '100', '--data-dir', dir],
      ]) {
        const { out, io } = capture(controller.signal);
        expect(await main(argv, io)).toBe(130);
        expect(out.stderr).toBe('market-samples: interrupted; no output was left behind\n');
      }
      expect(await readdir(dir)).toEqual([]);
    });
  });
});
