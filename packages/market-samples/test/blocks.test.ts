// Time blocks of a long ticker (--block-bars): a shard unit per block, its shard reading only the block's bars
// and its halo; the merged output the same bytes as the one-file build whatever the block size.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardNames, shardOf, verify } from '@prepkit/record-io';
import { generateRaw, marketSamplesRun, readRawBars, writeRawBars } from '../src/index.js';
import type { MarketSamplesRunConfig } from '../src/index.js';
import { readSamples, runMain as run, sha256 as sha } from './helpers.js';

const N = 3;
const B = 600;
const WINDOW = 16;
const AHEAD = 4; // the longest horizon
const LONG_BARS = 4000;
const SAMPLES = 'samples_3K.parquet';
const SHARDS = shardNames('samples_3K', N, 'parquet');
const FLAGS = [
  '--n-samples',
  '3000',
  '--seed',
  '5',
  '--window',
  `${WINDOW}`,
  '--horizons',
  `1,${AHEAD}`,
  '--chunk-rows',
  '256',
  '--threads',
  '2',
];

let root: string;
let raw: string;
let one: string;
let blocked: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'market-samples-blocks-'));
  raw = join(root, 'raw');
  // Dirty rows (duplicated times, rows out of order, missing prices) fall in blocks and halos too.
  await generateRaw({ tickers: ['LONG'], bars: LONG_BARS, seed: 3, dataDir: raw, dirty: 0.01 });
  await generateRaw({ tickers: ['AAA', 'BBB'], bars: 500, seed: 6, dataDir: raw, dirty: 0.01 });
  one = await dataDir('one');
  blocked = await dataDir('blocked');
  expect((await run('build', '--data-dir', one, ...FLAGS, '-q')).code).toBe(0);
  const built = await run(
    'build',
    '--data-dir',
    blocked,
    ...FLAGS,
    '--shards',
    `${N}`,
    '--block-bars',
    `${B}`,
  );
  expect(built.code, built.stderr).toBe(0);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

async function dataDir(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(raw, dir, { recursive: true });
  return dir;
}

/** The shard unit of a sample: LONG's block by its window end, a short ticker itself. */
const unitKey = (ticker: string, end: number) => (ticker === 'LONG' ? `LONG#${Math.floor(end / B)}` : ticker);

describe('--block-bars', () => {
  it('--shards n puts each block of the long ticker in shardOf(ticker#b, n), in the one-file order; merge gives the one-file bytes', async () => {
    const whole = await readSamples(join(one, SAMPLES));
    const holding = new Set<number>();
    for (const [i, name] of SHARDS.entries()) {
      const part = await readSamples(join(blocked, name));
      const expected = whole.ticker.flatMap((t, r) =>
        shardOf(unitKey(t, whole.barIndex[r]!), N) === i ? [r] : [],
      );
      expect(part.ticker, name).toEqual(expected.map((r) => whole.ticker[r]));
      expect(part.barIndex, name).toEqual(expected.map((r) => whole.barIndex[r]));
      expect(part.features, name).toEqual(expected.map((r) => whole.features[r]));
      if (part.ticker.includes('LONG')) holding.add(i);
    }
    expect(holding.size).toBeGreaterThan(1); // the long ticker is spread over shards
    expect(await sha(join(blocked, 'meta_scaler.json'))).toBe(await sha(join(one, 'meta_scaler.json')));

    const dir = await dataDir('merge');
    for (const name of SHARDS) await cp(join(blocked, name), join(dir, name));
    const merged = await run('merge', dir, '--shards', `${N}`, '-q');
    expect(merged.code, merged.stderr).toBe(0);
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    expect(await sha(join(dir, 'meta_scaler.json'))).toBe(await sha(join(one, 'meta_scaler.json')));
    expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
  }, 60_000);

  it('the block size changes no one-file byte; --shard i/n with blocks writes file i of --shards n (the naive baseline too)', async () => {
    const single = await dataDir('single');
    expect((await run('build', '--data-dir', single, ...FLAGS, '--block-bars', `${B}`, '-q')).code).toBe(0);
    expect(await sha(join(single, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    const parts = await dataDir('parts');
    for (let i = 0; i < N; i++) {
      const extra = i === 1 ? ['--naive'] : [];
      const flags = [...FLAGS, ...extra, '--block-bars', `${B}`, '--shard', `${i}/${N}`, '-q'];
      const built = await run('build', '--data-dir', parts, ...flags);
      expect(built.code, built.stderr).toBe(0);
    }
    for (const name of SHARDS)
      expect(await sha(join(parts, name)), name).toBe(await sha(join(blocked, name)));
  }, 60_000);
});

describe('the ShardedRun with time blocks', () => {
  const context = () => ({
    runId: 'test',
    signal: new AbortController().signal,
    attempt: 1,
    progress: () => undefined,
  });
  const config = (dir: string): MarketSamplesRunConfig => ({
    dataDir: dir,
    nSamples: 3000,
    seed: 5,
    window: WINDOW,
    horizons: [1, AHEAD],
    chunkRows: 256,
    threads: 1,
    shards: N,
    blockBars: B,
    merge: true,
  });

  it('each shard reads only its blocks with their halos, not the whole ticker, and writes the --shards bytes; the merge is the one-file output', async () => {
    const dir = await dataDir('run');
    const plan = await marketSamplesRun.plan(config(dir), context());
    expect(plan.blockBars).toBe(B);
    expect(plan.blocks.length).toBeGreaterThanOrEqual(LONG_BARS / B - 1);
    for (const block of plan.blocks) {
      expect(block.ticker).toBe('LONG');
      expect(block.firstEnd - block.bars[0]).toBe(WINDOW - 1); // the halo
      expect(block.bars[1] - 1 - block.lastEnd).toBeLessThanOrEqual(AHEAD); // what the labels look ahead
      expect(Math.floor(block.firstEnd / B)).toBe(block.index);
      expect(Math.floor(block.lastEnd / B)).toBe(block.index);
    }
    const wholeBars = (t: string) => plan.positions.bars[plan.positions.tickers.indexOf(t)]!;
    const summaries = [];
    for (let i = 0; i < N; i++) {
      const summary = await marketSamplesRun.runShard(config(dir), plan, i, context());
      // What it holds: its short tickers whole, and of LONG only its blocks, each at most B + window - 1 + ahead.
      const blocks = plan.blocks.filter((b) => shardOf(b.key, N) === i);
      const shorts = ['AAA', 'BBB'].filter((t) => shardOf(t, N) === i && plan.positions.tickers.includes(t));
      const held = (b: (typeof blocks)[number]) => b.bars[1] - b.bars[0];
      for (const b of blocks) expect(held(b)).toBeLessThanOrEqual(B + WINDOW - 1 + AHEAD);
      expect(summary.bars.held).toBe(
        blocks.reduce((sum, b) => sum + held(b), 0) + shorts.reduce((sum, t) => sum + wholeBars(t), 0),
      );
      // Raw rows read: those bars and the dirty rows among them (dropped by cleaning).
      expect(summary.bars.read).toBeGreaterThanOrEqual(summary.bars.held);
      expect(summary.bars.read).toBeLessThan(LONG_BARS);
      expect(summary.bars.held).toBeLessThan(wholeBars('LONG'));
      summaries.push(summary);
    }
    for (const name of SHARDS) expect(await sha(join(dir, name)), name).toBe(await sha(join(blocked, name)));
    await marketSamplesRun.commit(config(dir), plan, summaries, context());
    expect(await sha(join(dir, SAMPLES))).toBe(await sha(join(one, SAMPLES)));
    expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
  }, 60_000);

  it('a raw file changed after the plan in a block (same rows, one price missing) fails the shard holding it, naming the file', async () => {
    const dir = await dataDir('changed');
    const plan = await marketSamplesRun.plan(config(dir), context());
    const block = plan.blocks[1]!;
    const file = join(dir, 'raw_LONG.parquet');
    const bars = await readRawBars(file);
    // A row in the middle of the block's time range loses its close: the rows stay, its clean bars do not.
    const middle = (block.timeUs[0] + block.timeUs[1]) / 2;
    const row = bars.time.findIndex((t) => t >= middle);
    bars.close[row] = Number.NaN;
    await writeRawBars(file, bars);
    await expect(
      marketSamplesRun.runShard(config(dir), plan, shardOf(block.key, N), context()),
    ).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringMatching(
        new RegExp(`^${file}: block ${block.key} .*the raw file changed since the run was planned$`),
      ) as unknown,
    });
  }, 60_000);
});
