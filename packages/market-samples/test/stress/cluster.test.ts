// Faults of a market-samples run on many machines (issue 16): a worker SIGKILLed in the middle of a shard, a raw
// file that goes bad after the plan read it (so only its shard fails), and workers on three network hosts. Each
// worker is its own `market-samples worker` process.
import { watch } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { NetworkHosts, canRunNetworkHosts } from '@prepkit/job-queue/testing';
import { shardOf, verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, queueFlags, runCli, sha256, startCli } from '../cluster-cli.js';
import { FLAGS, SAMPLES, prepareRun } from './cluster-fixture.js';
import type { StatusJson } from '@prepkit/job-queue/testing';

const db = useTestDatabase();
const QUEUE = queueFlags('market_samples_cluster_stress');

describe('market-samples worker', () => {
  describe.skipIf(!queueSupported())('on a real queue (skipped: pg-boss needs Node 22.12+)', () => {
    let root: string;
    let raw: string;
    let one: string;

    const dataDir = async (name: string) => {
      const dir = join(root, name);
      await cp(raw, dir, { recursive: true });
      return dir;
    };

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'market-samples-cluster-stress-'));
      ({ raw, one } = await prepareRun(root));
    }, 120_000);

    afterAll(async () => {
      await killAll();
      await rm(root, { recursive: true, force: true });
    });

    const status = async (runId: string): Promise<StatusJson> => {
      const result = await runCli(['status', '--run', runId, '--json', ...QUEUE], db.url);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as StatusJson;
    };

    const submit = async (dir: string, shards: number) => {
      const argv = [
        'submit',
        '--data-dir',
        dir,
        ...FLAGS,
        '--threads',
        '1',
        '--shards',
        `${shards}`,
        '--merge',
      ];
      const submitted = await runCli([...argv, ...QUEUE], db.url);
      expect(submitted.code, submitted.stderr).toBe(0);
      return submitted.stdout.trim();
    };

    it('[kill] a worker SIGKILLed mid-shard: another worker reruns the shard, same bytes, each shard counted once', async () => {
      const dir = await dataDir('killed');
      const runId = await submit(dir, 4);
      // The event: a shard's samples temporary appears (it exists until that shard's file is complete).
      let killedShard = -1;
      const doomed = startCli(['worker', ...QUEUE], db.url);
      await new Promise<void>((resolve) => {
        const watcher = watch(dir, (_, name) => {
          const match = name === null ? null : /^\.samples_80K-(\d+)-of-00004\.parquet\.tmp-/.exec(name);
          if (match === null || killedShard !== -1) return;
          killedShard = Number(match[1]);
          doomed.child.kill('SIGKILL');
          watcher.close();
          resolve();
        });
      });
      expect((await doomed.exited).signal).toBe('SIGKILL');
      expect(doomed.stderr()).toContain(`${runId} shard ${killedShard} start`);
      expect(doomed.stderr()).not.toContain(`${runId} shard ${killedShard} done`);

      // The rescuer runs the other shards at once and the killed one when its heartbeat has lapsed.
      const rescuer = startCli(['worker', '--exit-when-idle', ...QUEUE], db.url);
      expect((await rescuer.exited).code, rescuer.stderr()).toBe(0);
      expect(rescuer.stderr()).toContain(`${runId} shard ${killedShard} done (attempt 2)`);
      for (const name of [SAMPLES, 'meta_scaler.json'])
        expect(await sha256(join(dir, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
      // The killed worker's temporary was removed by the rerun (same host, dead process).
      expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
      const run = (await status(runId)).runs[0]!;
      expect(run).toMatchObject({ state: 'done', shardStates: { done: 4 } });
      expect(run.shardDetails!.map((s) => s.attempts)).toEqual(
        [0, 1, 2, 3].map((i) => (i === killedShard ? 2 : 1)),
      );
    }, 240_000);

    it('[input] a raw file truncated after the plan read it: its shard is dead-lettered, status names the file and the error, no manifest', async () => {
      const dir = await dataDir('corrupt');
      const runId = await submit(dir, 4);
      // A worker plans the run; it is stopped (SIGKILL) once the plan is done, before the file goes bad.
      const planner = startCli(['worker', ...QUEUE], db.url);
      await planner.waitForLine(new RegExp(`${runId} plan done`));
      planner.child.kill('SIGKILL');
      await planner.exited;
      const bad = join(dir, 'raw_CCC.parquet');
      const bytes = await readFile(bad);
      await writeFile(bad, bytes.subarray(0, bytes.length >> 1));
      const shard = shardOf('CCC', 4);

      const worker = startCli(['worker', '--exit-when-idle', ...QUEUE], db.url);
      expect((await worker.exited).code, worker.stderr()).toBe(0);
      const { runs, deadLetters } = await status(runId);
      expect(runs[0]!.state).toBe('failed');
      expect(runs[0]!.error).toContain(`shard ${shard}`);
      expect(runs[0]!.error).toContain(bad);
      const dead = deadLetters.filter((d) => d.runId === runId && d.step === `${shard}`);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.error).toContain(bad);
      const text = await runCli(['status', '--run', runId, ...QUEUE], db.url);
      expect(text.stdout).toContain(`${runId}  failed`);
      expect(text.stdout).toMatch(
        new RegExp(`dead letters:\\n.* shard ${shard} after \\d attempt\\(s\\): .*raw_CCC`),
      );
      expect((await readdir(dir)).includes('manifest.json')).toBe(false);
    }, 240_000);

    it.skipIf(!canRunNetworkHosts())(
      '[hosts] three workers in three network namespaces (each reaching PostgreSQL over its own veth address): the same merged bytes (skipped unless root with iproute2)',
      async () => {
        await using network = await NetworkHosts.start(db.url, 3);
        const dir = await dataDir('three-hosts');
        const runId = await submit(dir, 6);
        const workers = network.hosts.map((host) =>
          startCli(['worker', '--exit-when-idle', ...QUEUE], host.databaseUrl, (command, args, options) =>
            network.spawn(host, command, args, options),
          ),
        );
        for (const worker of workers) expect((await worker.exited).code, worker.stderr()).toBe(0);
        expect((await status(runId)).runs[0]).toMatchObject({ state: 'done', shardStates: { done: 6 } });
        expect(await sha256(join(dir, SAMPLES))).toBe(await sha256(join(one, SAMPLES)));
        expect(await verify(dir)).toMatchObject({ ok: true });
      },
      240_000,
    );
  });
});
