// The queued prepare under faults: a worker SIGKILLed in the middle of a shard (the shard is run again by another
// worker, the output is the plain run's, each shard counted once), and an input error in one shard (dead-lettered
// at once, named by status, no manifest). Node 22.12+ (pg-boss); skipped on older Node.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { queueSupported } from '@prepkit/job-queue';
import { NetworkHosts, canRunNetworkHosts } from '@prepkit/job-queue/testing';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { shardOf, verify } from '@prepkit/record-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateToDatabase, initDatabase, prepareDiscordDataset, shardPath } from '../../src/index.js';
import { cli, queueFlags, startWorker } from '../cluster-helpers.js';
import { sha256, sql, tempDir, until } from '../helpers.js';

const db = useTestDatabase();
const dir = await tempDir();
const SHAPE = ['--valid-fraction', '0.2', '--threads', '1'];

describe.skipIf(!queueSupported())('discord-dataset worker', () => {
  let queue: string[] = [];
  const reference = join(dir, 'reference');

  beforeAll(async () => {
    queue = ['--db', db.url, ...queueFlags('discord_cluster_stress')];
    await initDatabase(db.url);
    // Enough messages that a shard formats for a while after its temporary file appears.
    await generateToDatabase({ db: db.url, messages: 120_000, channels: 6, seed: 'cluster-stress' });
    await prepareDiscordDataset({
      db: db.url,
      train: join(reference, 'train.jsonl'),
      valid: join(reference, 'valid.jsonl'),
      validFraction: 0.2,
      threads: 1,
    });
  }, 300_000);

  async function submit(out: string, ...extra: string[]): Promise<string> {
    const result = await cli(
      'submit',
      join(out, 'train.jsonl'),
      join(out, 'valid.jsonl'),
      ...SHAPE,
      '--shards',
      '3',
      '--merge',
      '-q',
      ...extra,
      ...queue,
    );
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  }

  it('[kill] a worker SIGKILLed in the middle of a shard: another worker reruns it, same bytes, each shard counted once', async () => {
    const out = join(dir, 'kill');
    const runId = await submit(out);
    const first = startWorker(['--exit-when-idle', ...queue]);
    // The event: its line saying a shard started (reading 40,000 messages and formatting them takes far longer
    // than the line takes to arrive).
    let shard = -1;
    let exited = false;
    void first.exited.then(() => (exited = true));
    await until(() => {
      const started = new RegExp(`${runId} shard (\\d+) start`).exec(first.stderr());
      if (started !== null) shard = Number(started[1]);
      if (started === null && exited) throw new Error(`the worker exited first: ${first.stderr()}`);
      return started !== null;
    }, 'a shard to start');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.stderr()).toContain(`${runId} shard ${shard} start`);
    expect(first.stderr()).not.toContain(`${runId} shard ${shard} done`);
    const others = [startWorker(['--exit-when-idle', ...queue]), startWorker(['--exit-when-idle', ...queue])];
    const codes = await Promise.all(others.map((w) => w.exited));
    expect(codes, others.map((w) => w.stderr()).join('\n')).toEqual([0, 0]);
    const log = others.map((w) => w.stderr()).join('');
    expect(log).toContain(`${runId} shard ${shard} start (attempt 2)`);
    for (const split of ['train', 'valid']) {
      expect(await sha256(join(out, `${split}.jsonl`))).toBe(await sha256(join(reference, `${split}.jsonl`)));
    }
    expect((await verify(out)).ok).toBe(true);
    // Nothing half-written is left (a killed attempt's temporary is removed by the attempt that replaces it).
    expect((await readdir(out)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    const status = await cli('status', '--run', runId, ...queue);
    expect(status.stdout).toContain(`${runId}  done  shards 3: 3 done, 0 running, 0 queued, 0 failed`);
    expect(status.stdout).toMatch(new RegExp(`shard ${shard} {2}done {2}attempts 2`));
  }, 180_000);

  it.skipIf(!canRunNetworkHosts())(
    '[hosts] three workers in three network namespaces, each reaching PostgreSQL over its own veth address: the plain bytes (skipped unless root with iproute2)',
    async () => {
      await using network = await NetworkHosts.start(db.url, 3);
      const out = join(dir, 'hosts');
      const runId = await submit(out);
      const workers = network.hosts.map((host) =>
        startWorker(
          ['--exit-when-idle', '--db', host.databaseUrl, ...queueFlags('discord_cluster_stress')],
          {},
          (command, args, options) => network.spawn(host, command, args, options),
        ),
      );
      const codes = await Promise.all(workers.map((w) => w.exited));
      expect(codes, workers.map((w) => w.stderr()).join('\n')).toEqual([0, 0, 0]);
      for (const split of ['train', 'valid']) {
        expect(await sha256(join(out, `${split}.jsonl`))).toBe(
          await sha256(join(reference, `${split}.jsonl`)),
        );
      }
      expect((await verify(out)).ok).toBe(true);
      const status = await cli('status', '--run', runId, ...queue);
      expect(status.stdout).toContain(`${runId}  done  shards 3: 3 done, 0 running, 0 queued, 0 failed`);
    },
    180_000,
  );

  it('[input] a message id twice in one shard: that shard is dead-lettered at once, status names it, no manifest', async () => {
    // A table without its primary key, with one id twice: a root that falls in shard 1 of 3.
    let id = 9_100_000_000_000_000_000n;
    while (shardOf(id.toString(), 3) !== 1) id++;
    await sql(db.url, 'ALTER TABLE messages DROP CONSTRAINT messages_pkey');
    for (let copy = 0; copy < 2; copy++) {
      await sql(
        db.url,
        `INSERT INTO messages (id, channel_id, author_id, author_name, content, created_at, type)
         VALUES ($1, 77, 1, 'ada', 'twice', now(), 'Default')`,
        [id.toString()],
      );
    }
    const out = join(dir, 'input');
    const runId = await submit(out);
    const worker = startWorker(['--exit-when-idle', ...queue]);
    expect(await worker.exited, worker.stderr()).toBe(0);
    const status = await cli('status', '--run', runId, ...queue);
    expect(status.stdout).toContain(`${runId}  failed`);
    const problem = `message id ${id} occurs more than once in the selection`;
    expect(status.stdout).toMatch(new RegExp(`shard 1 {2}failed {2}attempts 1.*${problem}`));
    expect(status.stdout).toMatch(
      new RegExp(`dead letters:\\n.*${runId} shard 1 after 1 attempt\\(s\\): .*${problem}`),
    );
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(existsSync(join(out, 'train.jsonl'))).toBe(false);
    expect(existsSync(shardPath(join(out, 'train.jsonl'), 1, 3))).toBe(false);
  }, 180_000);
});
