// market-samples submit / worker / status against a real queue (pg-boss on the test PostgreSQL), each worker its
// own process: the run's files are byte-identical to the single-machine build's.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { shardNames, verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSamples, generateRaw } from '../src/index.js';
import { killAll, queueFlags, runCli, sha256, startCli } from './cluster-cli.js';

const db = useTestDatabase();
const QUEUE = queueFlags('market_samples_cluster');
const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];
const SAMPLES = 'samples_4K.parquet';
const SHARDS = shardNames('samples_4K', 4, 'parquet');
const OPTIONS = { nSamples: 4000, seed: 5, window: 16, horizons: [1, 4], chunkRows: 512, threads: 1 };
const FLAGS = [
  '--n-samples',
  '4000',
  '--seed',
  '5',
  '--window',
  '16',
  '--horizons',
  '1,4',
  '--chunk-rows',
  '512',
];

describe.skipIf(!queueSupported())(
  'market-samples submit, worker, status (skipped: pg-boss needs Node 22.12+)',
  () => {
    let root: string;
    let raw: string;
    let one: string;
    let four: string;

    const dataDir = async (name: string) => {
      const dir = join(root, name);
      await cp(raw, dir, { recursive: true });
      return dir;
    };

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'market-samples-cluster-'));
      raw = join(root, 'raw');
      await generateRaw({ tickers: TICKERS, bars: 2500, seed: 8, dataDir: raw, dirty: 0.002 });
      // The single-machine builds the runs must equal.
      one = await dataDir('one');
      four = await dataDir('four');
      await buildSamples({ ...OPTIONS, dataDir: one });
      await buildSamples({ ...OPTIONS, dataDir: four, shards: 4 });
    }, 60_000);

    afterAll(async () => {
      await killAll();
      await rm(root, { recursive: true, force: true });
    });

    const submit = async (dir: string, ...extra: string[]) => {
      const submitted = await runCli(['submit', '--data-dir', dir, ...FLAGS, ...extra, ...QUEUE], db.url);
      expect(submitted.code, submitted.stderr).toBe(0);
      return submitted.stdout.trim();
    };

    const workers = async (count: number) => {
      const started = Array.from({ length: count }, () =>
        startCli(['worker', '--exit-when-idle', ...QUEUE], db.url),
      );
      const ends = await Promise.all(started.map((w) => w.exited));
      for (const [i, end] of ends.entries()) expect(end.code, started[i]!.stderr()).toBe(0);
      return started;
    };

    it('submit --merge and one worker: samples and scaler equal the one-file build; status says done', async () => {
      const dir = await dataDir('merged-1');
      const runId = await submit(dir, '--shards', '4', '--merge');
      expect(runId).toMatch(/^market-samples-[0-9a-f]{16}$/);
      const [worker] = await workers(1);
      expect(worker!.stderr()).toContain(`market-samples worker: ${runId} commit done`);
      for (const name of [SAMPLES, 'meta_scaler.json'])
        expect(await sha256(join(dir, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });

      const status = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${runId}  done  shards 4: 4 done, 0 running, 0 queued, 0 failed`);
      expect(status.stdout).toMatch(/shard 3 {2}done {2}attempts 1/);
      // The same submit again is the same run, already done.
      const again = await runCli(
        ['submit', '--data-dir', dir, ...FLAGS, '--shards', '4', '--merge', ...QUEUE, '--wait', '--json'],
        db.url,
      );
      expect(JSON.parse(again.stdout)).toMatchObject({ runId, created: false, state: 'done' });
    }, 120_000);

    it('submit --merge and three worker processes: the same bytes, every shard done once', async () => {
      const dir = await dataDir('merged-3');
      const runId = await submit(dir, '--shards', '4', '--merge');
      const started = await workers(3);
      const doneLines = started
        .flatMap((w) => w.stderr().split('\n'))
        .filter((l) => / shard \d done/.test(l));
      expect(doneLines).toHaveLength(4);
      expect(await sha256(join(dir, SAMPLES))).toBe(await sha256(join(one, SAMPLES)));
      expect(await verify(dir)).toMatchObject({ ok: true });
      const status = await runCli(['status', '--run', runId, '--json', ...QUEUE], db.url);
      const run = (
        JSON.parse(status.stdout) as { runs: { state: string; shardDetails: { attempts: number }[] }[] }
      ).runs[0]!;
      expect(run.state).toBe('done');
      expect(run.shardDetails.map((s) => s.attempts)).toEqual([1, 1, 1, 1]);
    }, 120_000);

    it('submit without --merge: the shard files equal --shards 4, and the manifest lists them and the scaler', async () => {
      const dir = await dataDir('shards');
      await submit(dir, '--shards', '4');
      await workers(2);
      const written = (await readdir(dir)).filter((f) => !f.startsWith('raw_'));
      expect(written.sort()).toEqual([...SHARDS, 'manifest.json', 'meta_scaler.json'].sort());
      for (const name of [...SHARDS, 'meta_scaler.json'])
        expect(await sha256(join(dir, name)), name).toBe(await sha256(join(four, name)));
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 5 });
    }, 120_000);

    it('submit --merge --block-bars 800 and two workers: every ticker cut into time blocks, each shard holding only its blocks; the same bytes', async () => {
      const dir = await dataDir('blocks');
      const runId = await submit(dir, '--shards', '4', '--merge', '--block-bars', '800');
      await workers(2);
      for (const name of [SAMPLES, 'meta_scaler.json'])
        expect(await sha256(join(dir, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
      const status = await runCli(['status', '--run', runId, '--json', ...QUEUE], db.url);
      const run = (
        JSON.parse(status.stdout) as {
          runs: { state: string; shardDetails: { summary: { bars: { held: number } } }[] }[];
        }
      ).runs[0]!;
      expect(run.state).toBe('done');
      // 5 tickers of at most 2,500 clean bars, 4 blocks each over 4 shards: every shard holds some blocks, and
      // together no more bars than the tickers have, but for the halos and label bars the blocks share.
      const held = run.shardDetails.map((s) => s.summary.bars.held);
      for (const bars of held) expect(bars).toBeGreaterThan(0);
      expect(held.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5 * 2500 + 5 * 4 * (16 - 1 + 4));
    }, 120_000);

    it('submit without --overwrite onto a complete earlier output: the plan refuses as build does, dead-lettered at once; the output stays', async () => {
      const dir = join(root, 'existing');
      await cp(one, dir, { recursive: true });
      const before = await sha256(join(dir, 'manifest.json'));
      const runId = await submit(dir, '--shards', '4', '--merge');
      await workers(1);
      const status = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(status.stdout).toContain(`${runId}  failed`);
      expect(status.stdout).toContain(
        `plan after 1 attempt(s): ${join(dir, SAMPLES)} exists; pass --overwrite`,
      );
      expect(await sha256(join(dir, 'manifest.json'))).toBe(before);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    }, 120_000);

    it('a ticker named without a raw file fails the run at its plan, naming the file; no shard runs', async () => {
      const dir = await dataDir('bad-ticker');
      const runId = await submit(dir, '--shards', '2', '--tickers', 'AAA,ZZZ');
      await workers(1);
      const status = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(status.stdout).toContain(`${runId}  failed`);
      expect(status.stdout).toContain('raw_ZZZ.parquet');
      expect((await readdir(dir)).filter((f) => !f.startsWith('raw_'))).toEqual([]);
    }, 120_000);
  },
);
