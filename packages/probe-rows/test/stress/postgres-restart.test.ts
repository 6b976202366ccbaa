// Issue 16's promise for probe-rows on many machines: PostgreSQL (the job queue; the input is Parquet) restarted
// while a shard is being encoded. The workers reconnect, the run ends done with the same bytes as a run on one
// machine, and every shard is done once. The server is this test's own, apart from the one the run shares.
import { watch } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@prepkit/db-cursors/testing';
import type { TestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeRows, generateMeasurements } from '../../src/index.js';
import { killAll, queueFlags, runCli, sha256, startCli, submitArgv } from '../cluster-cli.js';
import type { StatusJson } from '@prepkit/job-queue/testing';

const QUEUE = queueFlags('probe_rows_restart');
const SPLITS = ['train.array_record', 'test.array_record'];
const SHARDS = 4;

describe('probe-rows worker', () => {
  describe.skipIf(!queueSupported())('on a real queue (skipped: pg-boss needs Node 22.12+)', () => {
    let dir: string;
    let input: string;
    let one: string;
    let server: TestPostgres;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'probe-rows-restart-stress-'));
      server = await startEmbeddedPostgres();
      input = join(dir, 'measurements.parquet');
      // Large enough that a shard takes a while to encode, so the restart lands in the middle of one.
      await generateMeasurements({ measurements: 200_000, probes: 4000, output: input, seed: 21 });
      one = join(dir, 'one');
      await buildProbeRows({ input, output: one, threads: 1 });
    }, 120_000);

    afterAll(async () => {
      await killAll();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('[db] PostgreSQL restarted while a shard is encoded: the workers reconnect and exit 0, the run is done, same bytes, each shard done once', async () => {
      const output = join(dir, 'restarted');
      await mkdir(output);
      const submitted = await runCli(submitArgv(input, output, SHARDS, QUEUE), server.url);
      expect(submitted.code, submitted.stderr).toBe(0);
      const runId = submitted.stdout.trim();

      // The event: a shard's first output temporary (it exists until the shard's files are complete) appearing
      // once both workers are ready. A worker still opening its queue when the server goes down exits 2 ("cannot
      // open the job queue"): reconnection is the promise of running workers.
      let ready = false;
      let shard = -1;
      const encoding = new Promise<void>((resolve) => {
        const watcher = watch(output, (_, name) => {
          const match = name === null ? null : /^\.train-(\d+)-of-0000\d\.array_record\.tmp-/.exec(name);
          if (!ready || match === null || shard !== -1) return;
          shard = Number(match[1]);
          watcher.close();
          resolve();
        });
      });
      const workers = [0, 1].map(() => startCli(['worker', '--exit-when-idle', ...QUEUE], server.url));
      await Promise.all(workers.map((worker) => worker.waitForLine(/: ready \(/)));
      ready = true;
      await encoding;
      await server.restart();
      const afterRestart = workers.map((worker) => worker.stderr().length);

      for (const worker of workers) expect((await worker.exited).code, worker.stderr()).toBe(0);
      // The shard that was being encoded ended after the server came back, so its end needed a reconnection.
      const ends = workers.map((worker, i) => worker.stderr().slice(afterRestart[i]));
      expect(ends.join('\n')).toMatch(new RegExp(`${runId} shard ${shard} done`));

      for (const name of SPLITS)
        expect(await sha256(join(output, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(output)).toMatchObject({ ok: true, checked: 2 });
      const status = await runCli(['status', '--run', runId, '--json', ...QUEUE], server.url);
      expect(status.code, status.stderr).toBe(0);
      const run = (JSON.parse(status.stdout) as StatusJson).runs[0]!;
      expect(run).toMatchObject({ state: 'done', shardStates: { done: SHARDS } });
      // Each shard's work was done once, by one worker (the stderr `shard i done` lines of both).
      const done = workers
        .flatMap((worker) => [...worker.stderr().matchAll(/ shard (\d+) done/g)])
        .map((match) => Number(match[1]))
        .sort((a, b) => a - b);
      expect(done).toEqual([0, 1, 2, 3]);
    });
  });
});
