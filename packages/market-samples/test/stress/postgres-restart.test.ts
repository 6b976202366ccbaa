// Issue 16: "Restart PostgreSQL during a run. Workers reconnect, and the output is identical." Two `market-samples
// worker` processes run a queued build against a PostgreSQL of this test's own (apart from the server the whole
// run shares, which must stay up); it is stopped and started again while a shard is writing its file. The raw
// files are on disk, so only the queue's connections (fetch, heartbeat, completion) see the restart.
import { watch } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@prepkit/db-cursors/testing';
import type { TestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, queueFlags, runCli, sha256, startCli } from '../cluster-cli.js';
import { FLAGS, SAMPLES, prepareRun } from './cluster-fixture.js';
import type { StatusJson } from '@prepkit/job-queue/testing';

const QUEUE = queueFlags('market_samples_restart');
const SHARDS = 4;
// FLAGS and one thread a worker.
const SUBMIT_FLAGS = [...FLAGS, '--threads', '1'];

describe('market-samples worker', () => {
  describe.skipIf(!queueSupported())('on its own PostgreSQL (skipped: pg-boss needs Node 22.12+)', () => {
    let root: string;
    let one: string;
    let server: TestPostgres;

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'market-samples-restart-'));
      // The raw files, and the plain single-machine build the run must equal.
      ({ one } = await prepareRun(root));
      server = await startEmbeddedPostgres();
    }, 120_000);

    afterAll(async () => {
      await killAll();
      await server?.stop();
      await rm(root, { recursive: true, force: true });
    });

    it('[db] PostgreSQL restarted while a shard writes its file: both workers reconnect and exit 0, the run is done, same bytes, every shard done once', async () => {
      const dir = join(root, 'restarted');
      await cp(join(root, 'raw'), dir, { recursive: true });
      const submitted = await runCli(
        ['submit', '--data-dir', dir, ...SUBMIT_FLAGS, '--shards', `${SHARDS}`, '--merge', ...QUEUE],
        server.url,
      );
      expect(submitted.code, submitted.stderr).toBe(0);
      const runId = submitted.stdout.trim();

      // The event: a shard's samples temporary appears (it exists until that shard's file is complete).
      let shard = -1;
      const inProgress = new Promise<void>((resolve) => {
        const watcher = watch(dir, (_, name) => {
          const match = name === null ? null : /^\.samples_80K-(\d+)-of-00004\.parquet\.tmp-/.exec(name);
          if (match === null) return;
          shard = Number(match[1]);
          watcher.close();
          resolve();
        });
      });
      const workers = [0, 1].map(() => startCli(['worker', '--exit-when-idle', ...QUEUE], server.url));
      await inProgress;
      // Its completion can only reach the queue through the restarted server.
      expect(workers.some((w) => w.stderr().includes(`${runId} shard ${shard} done`))).toBe(false);
      await server.restart();

      for (const worker of workers) expect((await worker.exited).code, worker.stderr()).toBe(0);
      for (const name of [SAMPLES, 'meta_scaler.json'])
        expect(await sha256(join(dir, name)), name).toBe(await sha256(join(one, name)));
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });

      const status = await runCli(['status', '--run', runId, '--json', ...QUEUE], server.url);
      expect(status.code, status.stderr).toBe(0);
      const run = (JSON.parse(status.stdout) as StatusJson).runs[0]!;
      expect(run).toMatchObject({ state: 'done', shardStates: { done: SHARDS } });
      // The worker holding that shard saw the restart (a dropped or refused connection) before finishing it.
      const holder = workers.find((w) => w.stderr().includes(`${runId} shard ${shard} start`))!;
      const held = holder
        .stderr()
        .split(`${runId} shard ${shard} start`)[1]!
        .split(`shard ${shard} done`)[0]!;
      expect(held, holder.stderr()).toMatch(
        /queue: .*(terminating connection|ECONNREFUSED|Connection terminated)/,
      );
      const done = workers.flatMap((w) => w.stderr().split('\n')).filter((l) => / shard \d+ done/.test(l));
      expect(done.map((l) => / shard (\d+) done/.exec(l)![1]).sort()).toEqual(['0', '1', '2', '3']);
    }, 120_000);
  });
});
