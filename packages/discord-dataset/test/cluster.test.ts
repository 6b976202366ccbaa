import { existsSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest, verify } from '@prepkit/record-io';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDiscordRun,
  generateToDatabase,
  initDatabase,
  prepareDiscordDataset,
  shardPath,
} from '../src/index.js';
import type { DiscordRunConfig } from '../src/index.js';
import { cli, queueFlags, startWorker } from './cluster-helpers.js';
import { sha256, tempDir } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();
const QUEUE_FLAGS = queueFlags('discord_cluster_test');
const SHAPE = ['--valid-fraction', '0.2', '--threads', '1'];

beforeAll(async () => {
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 3000, channels: 4, seed: 'cluster-tests' });
});

describe('the queued run, its steps called directly (any Node)', () => {
  it('runShard writes what --shard writes; commit checks every file, merges, and a second commit finds it done', async () => {
    const out = join(dir, 'steps');
    const config: DiscordRunConfig = {
      db: db.url,
      train: join(out, 'train.jsonl'),
      valid: join(out, 'valid.jsonl'),
      threads: 1,
      validFraction: 0.2,
      shards: 2,
      merge: true,
    };
    const run = createDiscordRun(db.url);
    const context = { runId: 'r', signal: new AbortController().signal, attempt: 1 };
    const plan = await run.plan(config, context);
    const progress: number[] = [];
    const summaries = [];
    for (let i = 0; i < 2; i++)
      summaries.push(
        await run.runShard(config, plan, i, { ...context, progress: (done) => progress.push(done) }),
      );
    expect(progress.length).toBeGreaterThan(0);
    expect(summaries[0]!.files.map((f) => f.path)).toEqual([
      'train-00000-of-00002.jsonl',
      'train-00000-of-00002.jsonl.roots',
      'valid-00000-of-00002.jsonl',
      'valid-00000-of-00002.jsonl.roots',
    ]);
    expect(await run.commit(config, plan, summaries, context)).toMatchObject({ merged: true, again: false });
    const first = await sha256(join(out, 'train.jsonl'));
    expect(await run.commit(config, plan, summaries, context)).toMatchObject({ merged: true, again: true });
    expect(await sha256(join(out, 'train.jsonl'))).toBe(first);
    const plain = await prepareDiscordDataset({
      ...config,
      shards: 1,
      train: join(dir, 'steps-plain', 'train.jsonl'),
      valid: join(dir, 'steps-plain', 'valid.jsonl'),
    });
    expect(await sha256(plain.train.path)).toBe(first);
    // A shard file that changed after its shard finished: the commit names it.
    await rm(join(out, 'manifest.json'));
    await appendFile(shardPath(config.valid, 1, 2), '{"x":1}\n');
    await expect(run.commit(config, plan, summaries, context)).rejects.toThrow(
      `${shardPath(config.valid, 1, 2)}: changed since its shard wrote it (sha256 differs)`,
    );
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});

describe.skipIf(!queueSupported())(
  'discord-dataset submit / worker / status (skipped: pg-boss needs Node 22.12+)',
  () => {
    const reference = join(dir, 'reference');
    let QUEUE: string[] = [];
    beforeAll(async () => {
      QUEUE = ['--db', db.url, ...QUEUE_FLAGS];
      const plain = await cli(
        'prepare',
        '--db',
        db.url,
        join(reference, 'train.jsonl'),
        join(reference, 'valid.jsonl'),
        ...SHAPE,
        '-q',
      );
      expect(plain).toMatchObject({ code: 0, stderr: '' });
    });

    async function expectSameAsReference(out: string): Promise<void> {
      for (const split of ['train', 'valid']) {
        expect(await sha256(join(out, `${split}.jsonl`))).toBe(
          await sha256(join(reference, `${split}.jsonl`)),
        );
      }
      expect((await verify(out)).ok).toBe(true);
    }

    it.each([1, 3])(
      'submit --shards 3 --merge, then %i worker process(es): the merged files are the plain run, status says done',
      async (workers) => {
        const out = join(dir, `workers-${workers}`);
        const submit = await cli(
          'submit',
          join(out, 'train.jsonl'),
          join(out, 'valid.jsonl'),
          ...SHAPE,
          '--shards',
          '3',
          '--merge',
          ...QUEUE,
        );
        expect(submit.code).toBe(0);
        const runId = submit.stdout.trim();
        expect(runId).toMatch(/^discord-dataset-[0-9a-f]{16}$/);
        // The run's config keeps no password.
        expect(submit.stderr).not.toContain(new URL(db.url).password);
        const started = Array.from({ length: workers }, () => startWorker(['--exit-when-idle', ...QUEUE]));
        const codes = await Promise.all(started.map((w) => w.exited));
        expect(codes, started.map((w) => w.stderr()).join('\n')).toEqual(started.map(() => 0));
        const log = started.map((w) => w.stderr()).join('');
        for (const step of ['plan', 'shard 0', 'shard 1', 'shard 2', 'commit'])
          expect(log).toContain(`${runId} ${step} done`);
        await expectSameAsReference(out);
        const manifest = await readManifest(out);
        expect(manifest.outputs.map((o) => o.path)).toEqual(['train.jsonl', 'valid.jsonl']);
        expect(JSON.stringify(manifest)).not.toContain(new URL(db.url).password);
        // The shard files stay (a commit run again merges them again).
        expect(existsSync(shardPath(join(out, 'train.jsonl'), 2, 3))).toBe(true);
        const status = await cli('status', '--run', runId, ...QUEUE);
        expect(status.code).toBe(0);
        expect(status.stdout).toContain(`${runId}  done  shards 3: 3 done, 0 running, 0 queued, 0 failed`);
        expect(status.stdout).toMatch(/shard 1 {2}done {2}attempts 1/);
      },
    );

    it('without --merge the commit lists the shard files, which merge turns into the plain run', async () => {
      const out = join(dir, 'unmerged');
      const submit = await cli(
        'submit',
        join(out, 'train.jsonl'),
        join(out, 'valid.jsonl'),
        ...SHAPE,
        '--shards',
        '2',
        '-q',
        ...QUEUE,
      );
      expect(submit.code).toBe(0);
      const worker = startWorker(['--exit-when-idle', ...QUEUE]);
      expect(await worker.exited, worker.stderr()).toBe(0);
      const manifest = await readManifest(out);
      expect(manifest.outputs.map((o) => o.path).sort()).toEqual(
        [0, 1]
          .flatMap((i) =>
            ['train', 'valid'].flatMap((split) => {
              const name = shardPath(`${split}.jsonl`, i, 2);
              return [name, `${name}.roots`];
            }),
          )
          .sort(),
      );
      expect((await verify(out)).ok).toBe(true);
      const merged = await cli('merge', out, '--shards', '2', '-q');
      expect(merged).toMatchObject({ code: 0, stderr: '' });
      await expectSameAsReference(out);
    });
  },
);
