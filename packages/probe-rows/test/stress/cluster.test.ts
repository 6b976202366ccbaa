// Faults of a probe-rows run on many machines (issue 16): a worker SIGKILLed in the middle of a shard, and an
// input that is corrupt where only the shards read it. Each worker is its own `probe-rows worker` process.
import { watch } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { NetworkHosts, canRunNetworkHosts } from '@prepkit/job-queue/testing';
import { verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeRows, generateMeasurements } from '../../src/index.js';
import { killAll, queueFlags, runCli, sha256, startCli, submitArgv } from '../cluster-cli.js';
import type { StatusJson } from '@prepkit/job-queue/testing';

const db = useTestDatabase();
const QUEUE = queueFlags('probe_rows_cluster_stress');
const SPLITS = ['train.array_record', 'test.array_record'];

describe('probe-rows worker', () => {
  describe.skipIf(!queueSupported())('on a real queue (skipped: pg-boss needs Node 22.12+)', () => {
    let dir: string;
    let input: string;
    let one: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'probe-rows-cluster-stress-'));
      input = join(dir, 'measurements.parquet');
      // Large enough that a shard takes a while to encode, so the kill lands in the middle of one.
      await generateMeasurements({ measurements: 200_000, probes: 4000, output: input, seed: 21 });
      one = join(dir, 'one');
      await buildProbeRows({ input, output: one, threads: 1 });
    }, 120_000);

    afterAll(async () => {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    });

    const status = async (runId: string): Promise<StatusJson> =>
      JSON.parse((await runCli(['status', '--run', runId, '--json', ...QUEUE], db.url)).stdout) as StatusJson;

    it('[kill] a worker SIGKILLed mid-shard: another worker reruns the shard, same bytes, each shard counted once', async () => {
      const output = join(dir, 'killed');
      await mkdir(output);
      const submitted = await runCli(submitArgv(input, output, 4, QUEUE), db.url);
      expect(submitted.code, submitted.stderr).toBe(0);
      const runId = submitted.stdout.trim();
      // The event: the shard's first output temporary appears (it exists until the shard's files are complete).
      let killedShard = -1;
      const doomed = startCli(['worker', ...QUEUE], db.url);
      const killed = new Promise<void>((resolve) => {
        const watcher = watch(output, (_, name) => {
          const match = name === null ? null : /^\.train-(\d+)-of-00004\.array_record\.tmp-/.exec(name);
          if (match === null || killedShard !== -1) return;
          killedShard = Number(match[1]);
          doomed.child.kill('SIGKILL');
          watcher.close();
          resolve();
        });
      });
      await killed;
      expect((await doomed.exited).signal).toBe('SIGKILL');
      expect(doomed.stderr()).toContain(`${runId} shard ${killedShard} start`);
      expect(doomed.stderr()).not.toContain(`${runId} shard ${killedShard} done`);

      // The rescuer runs the other shards at once and the killed one when its heartbeat has lapsed.
      const rescuer = startCli(['worker', '--exit-when-idle', ...QUEUE], db.url);
      expect((await rescuer.exited).code, rescuer.stderr()).toBe(0);
      expect(rescuer.stderr()).toContain(`${runId} shard ${killedShard} done (attempt 2)`);
      for (const name of SPLITS)
        expect(await sha256(join(output, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(output)).toMatchObject({ ok: true, checked: 2 });
      // The killed worker's temporaries were removed by the rerun (same host, dead process).
      expect((await readdir(output)).filter((name) => name.includes('.tmp-'))).toEqual([]);
      const run = (await status(runId)).runs[0]!;
      expect(run).toMatchObject({ state: 'done', shardStates: { done: 4 } });
      expect(run.shardDetails!.map((s) => s.attempts)).toEqual(
        [0, 1, 2, 3].map((i) => (i === killedShard ? 2 : 1)),
      );
    }, 180_000);

    it('[input] an input file whose data pages are corrupt (its footer intact, so the plan passes): the shards are dead-lettered at once, status names the file and the error, no manifest', async () => {
      const inputs = join(dir, 'inputs');
      await mkdir(inputs);
      await copyFile(input, join(inputs, 'a.parquet'));
      const corrupt = join(inputs, 'b.parquet');
      await copyFile(input, corrupt);
      const size = (await readFile(corrupt)).length;
      const file = await open(corrupt, 'r+');
      await file.write(Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(size / 3));
      await file.close();
      const output = join(dir, 'corrupt-out');
      const submitted = await runCli(
        [
          'submit',
          '--input',
          join(inputs, '*.parquet'),
          '--output',
          output,
          '--shards',
          '3',
          '--merge',
          ...QUEUE,
        ],
        db.url,
      );
      const runId = submitted.stdout.trim();
      const worker = startCli(['worker', '--exit-when-idle', ...QUEUE], db.url);
      expect((await worker.exited).code, worker.stderr()).toBe(0);
      const { runs, deadLetters } = await status(runId);
      expect(runs[0]!.state).toBe('failed');
      expect(runs[0]!.error).toMatch(
        /^shard \d: cannot read the input .*b\.parquet.*ZSTD Decompression failure/,
      );
      const dead = deadLetters.filter((d) => d.runId === runId);
      expect(dead.length).toBeGreaterThan(0);
      // No retry can fix an input error: each dead-lettered shard ran once.
      for (const d of dead) expect(d.error).toContain('ZSTD Decompression failure');
      expect(runs[0]!.shardDetails!.every((s) => s.attempts <= 1)).toBe(true);
      const text = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(text.stdout).toContain(`${runId}  failed`);
      expect(text.stdout).toMatch(/dead letters:\n.* shard \d after 1 attempt\(s\): cannot read the input/);
      expect((await readdir(output).catch((): string[] => [])).includes('manifest.json')).toBe(false);
    }, 180_000);

    it.skipIf(!canRunNetworkHosts())(
      '[hosts] three workers in three network namespaces (each reaching PostgreSQL over its own veth address): the same merged bytes (skipped unless root with iproute2)',
      async () => {
        await using network = await NetworkHosts.start(db.url, 3);
        const output = join(dir, 'three-hosts');
        const submitted = await runCli(submitArgv(input, output, 6, QUEUE), db.url);
        const runId = submitted.stdout.trim();
        const workers = network.hosts.map((host) =>
          startCli(['worker', '--exit-when-idle', ...QUEUE], host.databaseUrl, (command, args, options) =>
            network.spawn(host, command, args, options),
          ),
        );
        for (const worker of workers) expect((await worker.exited).code, worker.stderr()).toBe(0);
        expect((await status(runId)).runs[0]).toMatchObject({ state: 'done', shardStates: { done: 6 } });
        for (const name of SPLITS)
          expect(await sha256(join(output, name)), name).toBe(await sha256(join(one, name)));
        expect(await verify(output)).toMatchObject({ ok: true });
      },
      180_000,
    );
  });
});
