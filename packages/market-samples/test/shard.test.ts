// build --shards / --shard i/n and merge (runs on Node 20: no queue), and the ShardedRun's three steps
// called directly, as a worker calls them.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '@prepkit/db-cursors';
import { shardNames, shardOf, verify } from '@prepkit/record-io';
import { generateRaw, marketSamplesRun } from '../src/index.js';
import type { MarketSamplesRunConfig } from '../src/index.js';
import { readSamples, runMain as run, sha256 as sha } from './helpers.js';

const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];
const N = 3;
const SAMPLES = 'samples_3K.parquet';
const SHARDS = shardNames('samples_3K', N, 'parquet');
const FLAGS = [
  '--n-samples',
  '3000',
  '--seed',
  '9',
  '--window',
  '16',
  '--horizons',
  '1,4',
  '--chunk-rows',
  '256',
];
const FLAGS_THREADS = [...FLAGS, '--threads', '2'];

let root: string;
let raw: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'market-samples-shard-'));
  raw = join(root, 'raw');
  await generateRaw({ tickers: TICKERS, bars: 2500, seed: 4, dataDir: raw, dirty: 0.002 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A data directory holding a copy of the raw files. */
async function dataDir(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(raw, dir, { recursive: true });
  return dir;
}

let one: string;
let all: string;
beforeAll(async () => {
  one = await dataDir('one');
  all = await dataDir('all');
  expect((await run('build', '--data-dir', one, ...FLAGS_THREADS, '-q')).code).toBe(0);
  expect((await run('build', '--data-dir', all, ...FLAGS_THREADS, '--shards', `${N}`, '-q')).code).toBe(0);
}, 60_000);

describe('build --shards and --shard i/n', () => {
  it('--shards n writes n files by shardOf(ticker, n), each in the one-file order, with scaler and manifest', async () => {
    const names = (await readdir(all)).filter((f) => !f.startsWith('raw_'));
    expect(names.sort()).toEqual([...SHARDS, 'manifest.json', 'meta_scaler.json'].sort());
    expect(await verify(all)).toMatchObject({ ok: true, checked: N + 1 });
    expect(await sha(join(all, 'meta_scaler.json'))).toBe(await sha(join(one, 'meta_scaler.json')));
    const whole = await readSamples(join(one, SAMPLES));
    for (const [i, name] of SHARDS.entries()) {
      const part = await readSamples(join(all, name));
      const expected = whole.ticker.flatMap((t, r) => (shardOf(t, N) === i ? [r] : []));
      expect(part.ticker, name).toEqual(expected.map((r) => whole.ticker[r]));
      expect(part.barIndex, name).toEqual(expected.map((r) => whole.barIndex[r]));
      expect(part.features, name).toEqual(expected.map((r) => whole.features[r]));
    }
  });

  it('--shard i/n writes only file i of --shards n, byte for byte (any threads, the naive baseline too), and no manifest', async () => {
    const parts = await dataDir('parts');
    for (let i = 0; i < N; i++) {
      const extra = i === 1 ? ['--naive'] : ['--threads', `${i + 1}`];
      const built = await run('build', '--data-dir', parts, ...FLAGS, ...extra, '--shard', `${i}/${N}`, '-q');
      expect(built.code, built.stderr).toBe(0);
      expect(existsSync(join(parts, 'manifest.json'))).toBe(false);
      expect(existsSync(join(parts, 'meta_scaler.json'))).toBe(false);
    }
    for (const name of SHARDS) expect(await sha(join(parts, name)), name).toBe(await sha(join(all, name)));
    // Its own file again: refused without --overwrite, replaced with it; the other shards' files stay.
    const again = await run('build', '--data-dir', parts, ...FLAGS, '--shard', `0/${N}`, '-q');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(SHARDS[0]);
    expect(
      (await run('build', '--data-dir', parts, ...FLAGS, '--shard', `0/${N}`, '--overwrite', '-q')).code,
    ).toBe(0);
    expect(await sha(join(parts, SHARDS[0]!))).toBe(await sha(join(all, SHARDS[0]!)));
  }, 60_000);

  it('rejects bad --shard values and --shard with another --shards as usage errors (exit 2)', async () => {
    for (const bad of ['3/3', 'x', '1/0', '-1/2']) {
      const result = await run('build', '--data-dir', one, ...FLAGS, '--shard', bad);
      expect(result.code, bad).toBe(2);
      expect(result.stderr, bad).toMatch(/--shard/);
    }
    const both = await run('build', '--data-dir', one, ...FLAGS, '--shard', '0/2', '--shards', '3');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('options.shards');
  });
});

describe('merge', () => {
  it('merges the shard files into the one-file bytes, writes scaler and manifest; refuses a second time without --overwrite', async () => {
    const dir = await dataDir('merge');
    for (const name of SHARDS) await cp(join(all, name), join(dir, name));
    const merged = await run('merge', dir, '--shards', `${N}`, '--json');
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ facts: { result: { samples: 3000 } } });
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    expect(await sha(join(dir, 'meta_scaler.json'))).toBe(await sha(join(one, 'meta_scaler.json')));
    expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    // Every row, in order, as DuckDB reads them.
    await using db = await openDuckDB({ threads: 1 });
    const differing = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM (
         SELECT row_number() OVER () AS r, * FROM read_parquet($1)
         EXCEPT ALL SELECT row_number() OVER () AS r, * FROM read_parquet($2))`,
      [join(dir, SAMPLES), join(one, SAMPLES)],
    );
    expect(differing).toEqual([{ n: 0 }]);

    const again = await run('merge', dir, '--shards', `${N}`);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(SAMPLES);
    const replaced = await run('merge', dir, '--shards', `${N}`, '--overwrite', '--remove-shards', '-q');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readdir(dir)).filter((f) => f.includes('-of-'))).toEqual([]);
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
  }, 60_000);

  it('a missing shard file fails with exit 2 and one line naming it; so does a file of another build', async () => {
    const dir = await dataDir('missing');
    await cp(join(all, SHARDS[0]!), join(dir, SHARDS[0]!));
    await cp(join(all, SHARDS[2]!), join(dir, SHARDS[2]!));
    const missing = await run('merge', dir, '--shards', `${N}`);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(join(dir, SHARDS[1]!));
    expect(missing.stderr).toContain('missing');
    // A shard 1 of a build with another seed: its footer differs.
    const other = await dataDir('other');
    const built = await run(
      'build',
      '--data-dir',
      other,
      ...FLAGS,
      '--seed',
      '10',
      '--shard',
      `1/${N}`,
      '-q',
    );
    expect(built.code, built.stderr).toBe(0);
    await cp(join(other, SHARDS[1]!), join(dir, SHARDS[1]!));
    const foreign = await run('merge', dir, '--shards', `${N}`);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(join(dir, SHARDS[1]!));
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    // No shard files of that count at all.
    const none = await run('merge', dir, '--shards', '5');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no shard files of 5');
  }, 60_000);
});

/** A value with every object's keys reversed: the queue keeps plans as jsonb, which does not keep key order. */
function reordered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reordered) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  ) as T;
}

describe('the market-samples ShardedRun, step by step (as a worker runs it)', () => {
  /** The run config of the --shards N build above (FLAGS, one thread). */
  const runConfig = (dataDir: string, merge: boolean): MarketSamplesRunConfig => ({
    dataDir,
    nSamples: 3000,
    seed: 9,
    window: 16,
    horizons: [1, 4],
    chunkRows: 256,
    threads: 1,
    shards: N,
    merge,
  });
  const context = (attempt = 1) => {
    const progress: number[] = [];
    return {
      progress,
      context: {
        runId: 'test',
        signal: new AbortController().signal,
        attempt,
        progress: (done: number) => progress.push(done),
      },
    };
  };

  it('plan once; each shard loads only its tickers and writes the --shards bytes; commit verifies and merges', async () => {
    const dir = await dataDir('run');
    const config = runConfig(dir, true);
    const planned = await marketSamplesRun.plan(config, context().context);
    expect(planned.shards).toBe(N);
    expect(JSON.parse(JSON.stringify(planned))).toEqual(planned); // plain JSON, as the queue stores it
    const plan = reordered(planned);
    const summaries = [];
    for (let i = 0; i < N; i++) {
      const { context: ctx, progress } = context();
      const summary = await marketSamplesRun.runShard(config, plan, i, ctx);
      expect(summary.files.map((f) => f.path)).toEqual([SHARDS[i]]);
      expect(progress.at(-1)).toBe(3000);
      summaries.push(summary);
    }
    for (const name of SHARDS) expect(await sha(join(dir, name)), name).toBe(await sha(join(all, name)));
    // A shard run twice (a retry) writes the same bytes.
    expect(await marketSamplesRun.runShard(config, plan, 1, context(2).context)).toEqual(summaries[1]);

    const result = await marketSamplesRun.commit(config, plan, summaries, context().context);
    expect(result).toMatchObject({
      samples: 3000,
      files: [SAMPLES, 'meta_scaler.json'],
      manifest: 'manifest.json',
    });
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    // Idempotent: a second commit ends the same way.
    expect(await marketSamplesRun.commit(config, plan, summaries, context().context)).toEqual(result);
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));

    // A shard file changed after its shard finished: the commit names it (an input error).
    await writeFile(join(dir, SHARDS[2]!), 'not parquet');
    await expect(marketSamplesRun.commit(config, plan, summaries, context().context)).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining(join(dir, SHARDS[2]!)) as unknown,
    });
  }, 60_000);

  it('plan refuses a complete earlier output as build does (OutputExistsError naming the file, --overwrite); with overwrite it runs', async () => {
    const config = runConfig('', false);
    // A one-file build's output: the merged run writes that samples file; the shard-file run, its scaler.
    for (const [merge, source, taken] of [
      [true, one, SAMPLES],
      [false, one, 'meta_scaler.json'],
      [false, all, SHARDS[0]!],
    ] as const) {
      const dir = join(root, `existing-${merge}-${taken}`);
      await cp(source, dir, { recursive: true });
      const before = await readFile(join(dir, 'manifest.json'));
      const refused = { ...config, dataDir: dir, merge };
      await expect(marketSamplesRun.plan(refused, context().context)).rejects.toMatchObject({
        kind: 'config',
        code: 'PREPKIT_OUTPUT_EXISTS',
        message: `${join(dir, taken)} exists; pass --overwrite to replace it`,
      });
      // Nothing touched: the earlier output is still complete.
      expect(await readFile(join(dir, 'manifest.json'))).toEqual(before);
      expect(await verify(dir)).toMatchObject({ ok: true });
    }

    // With overwrite: plan, shards and commit (twice: the same end) replace the earlier output.
    const dir = join(root, 'existing-overwrite');
    await cp(one, dir, { recursive: true });
    const replacing = { ...config, dataDir: dir, merge: true, overwrite: true };
    const plan = await marketSamplesRun.plan(replacing, context().context);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false); // as build: the old manifest goes first
    const summaries = [];
    for (let i = 0; i < N; i++)
      summaries.push(await marketSamplesRun.runShard(replacing, plan, i, context().context));
    const result = await marketSamplesRun.commit(replacing, plan, summaries, context().context);
    expect(await marketSamplesRun.commit(replacing, plan, summaries, context().context)).toEqual(result);
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
  }, 60_000);

  it('without merge, the commit lists the shard files and the scaler; a raw file changed after the plan fails its shard naming it', async () => {
    const dir = await dataDir('run-shards');
    const config = runConfig(dir, false);
    const plan = reordered(await marketSamplesRun.plan(config, context().context));
    const summaries = [];
    for (let i = 0; i < N; i++)
      summaries.push(await marketSamplesRun.runShard(config, plan, i, context().context));
    await marketSamplesRun.commit(config, plan, summaries, context().context);
    expect(await verify(dir)).toMatchObject({ ok: true, checked: N + 1 });
    for (const name of [...SHARDS, 'meta_scaler.json'])
      expect(await sha(join(dir, name)), name).toBe(await sha(join(all, name)));

    // AAA's raw file replaced by a shorter one after the plan: its shard refuses, naming the file.
    const shard = shardOf('AAA', N);
    await generateRaw({ tickers: ['AAA'], bars: 2000, seed: 4, dataDir: dir, overwrite: true });
    await expect(marketSamplesRun.runShard(config, plan, shard, context().context)).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining(join(dir, 'raw_AAA.parquet')) as unknown,
    });
  }, 60_000);
});
