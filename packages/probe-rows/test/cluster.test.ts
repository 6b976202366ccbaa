// probe-rows submit / worker / status against a real queue (pg-boss on the test PostgreSQL), each worker its own
// process: the run's files are byte-identical to the single-machine build's.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { shardNames, verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeRows, generateMeasurements } from '../src/index.js';
import { killAll, queueFlags, runCli, sha256, startCli } from './cluster-cli.js';

const db = useTestDatabase();
const QUEUE = queueFlags('probe_rows_cluster');
const SPLITS = ['train.array_record', 'test.array_record'];

describe.skipIf(!queueSupported())(
  'probe-rows submit, worker, status (skipped: pg-boss needs Node 22.12+)',
  () => {
    let dir: string;
    let input: string;
    let one: string;
    let four: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'probe-rows-cluster-'));
      input = join(dir, 'measurements.parquet');
      await generateMeasurements({ measurements: 6000, probes: 160, output: input, seed: 11 });
      // The single-machine builds the runs must equal.
      one = join(dir, 'one');
      four = join(dir, 'four');
      await buildProbeRows({ input, output: one, seed: 3, threads: 1 });
      await buildProbeRows({ input, output: four, seed: 3, threads: 1, shards: 4 });
    }, 60_000);

    afterAll(async () => {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    });

    const submit = async (output: string, ...extra: string[]) => {
      const argv = ['submit', '--input', input, '--output', output, '--seed', '3', '--threads', '1'];
      const submitted = await runCli([...argv, ...extra, ...QUEUE], db.url);
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

    it('submit --merge and one worker: train/test.array_record equal the one-file build; status says done', async () => {
      const output = join(dir, 'merged-1');
      const runId = await submit(output, '--shards', '4', '--merge');
      expect(runId).toMatch(/^probe-rows-[0-9a-f]{16}$/);
      const [worker] = await workers(1);
      expect(worker!.stderr()).toContain(`probe-rows worker: ${runId} commit done`);
      for (const name of SPLITS)
        expect(await sha256(join(output, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(output)).toMatchObject({ ok: true, checked: 2 });

      const status = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${runId}  done  shards 4: 4 done, 0 running, 0 queued, 0 failed`);
      expect(status.stdout).toMatch(/shard 3 {2}done {2}attempts 1/);
      // The same submit again is the same run, already done.
      const again = await runCli(
        [
          'submit',
          '--input',
          input,
          '--output',
          output,
          '--seed',
          '3',
          '--threads',
          '1',
          '--shards',
          '4',
          '--merge',
        ].concat(QUEUE, ['--wait', '--json']),
        db.url,
      );
      expect(JSON.parse(again.stdout)).toMatchObject({ runId, created: false, state: 'done' });
    }, 120_000);

    it('submit --merge and three worker processes: the same bytes, every shard done once', async () => {
      const output = join(dir, 'merged-3');
      const runId = await submit(output, '--shards', '4', '--merge');
      const started = await workers(3);
      const doneLines = started
        .flatMap((w) => w.stderr().split('\n'))
        .filter((l) => / shard \d done/.test(l));
      expect(doneLines).toHaveLength(4);
      for (const name of SPLITS)
        expect(await sha256(join(output, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(output)).toMatchObject({ ok: true });
      const status = await runCli(['status', '--run', runId, '--json', ...QUEUE], db.url);
      const run = (
        JSON.parse(status.stdout) as { runs: { state: string; shardDetails: { attempts: number }[] }[] }
      ).runs[0]!;
      expect(run.state).toBe('done');
      expect(run.shardDetails.map((s) => s.attempts)).toEqual([1, 1, 1, 1]);
    }, 120_000);

    it('submit without --merge: the shard files equal --shards 4, and the manifest lists them', async () => {
      const output = join(dir, 'shards');
      await submit(output, '--shards', '4');
      await workers(2);
      const names = [...shardNames('train', 4, 'array_record'), ...shardNames('test', 4, 'array_record')];
      expect((await readdir(output)).sort()).toEqual([...names, 'manifest.json'].sort());
      for (const name of names)
        expect(await sha256(join(output, name)), name).toBe(await sha256(join(four, name)));
      expect(await verify(output)).toMatchObject({ ok: true, checked: 8 });
    }, 120_000);

    it('a missing --group-by column fails the run at its plan, naming the column; no shard runs', async () => {
      const output = join(dir, 'bad-column');
      const runId = await submit(output, '--shards', '2', '--group-by', 'no_such');
      await workers(1);
      const status = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(status.stdout).toContain(`${runId}  failed`);
      expect(status.stdout).toContain('--group-by column "no_such" is not in the input');
      expect(await readdir(dir)).not.toContain('bad-column');
    }, 120_000);
  },
);
