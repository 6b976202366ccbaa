// The probe-rows ShardedRun's three steps called directly (no queue, so this runs on Node 20 too): what the
// workers run, and the commit's checks and idempotency.
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrepkitError } from '@prepkit/bench-harness/errors';
import { verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeRows, generateMeasurements, probeRowsRun } from '../src/index.js';
import type { ProbeRowsRunConfig, ProbeRowsShardSummary } from '../src/index.js';
import { sha256 } from './cluster-cli.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-run-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 3000, probes: 90, output: input, seed: 2 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const context = { runId: 'r', attempt: 1, signal: new AbortController().signal };

async function runAll(config: ProbeRowsRunConfig): Promise<ProbeRowsShardSummary[]> {
  const plan = await probeRowsRun.plan(config, context);
  expect(plan).toEqual({ shards: config.shards });
  const progress: number[][] = [];
  const summaries = [];
  for (let i = 0; i < plan.shards; i++) {
    summaries.push(
      await probeRowsRun.runShard(config, plan, i, {
        ...context,
        progress: (d, t) => progress.push([d, t!]),
      }),
    );
  }
  // Progress ends at the total of each shard.
  expect(progress.length).toBeGreaterThan(0);
  return summaries;
}

describe('probeRowsRun', () => {
  it('shards, then a commit that merges, checks every file and can run again', async () => {
    const one = join(dir, 'one');
    await buildProbeRows({ input, output: one });
    const config: ProbeRowsRunConfig = {
      input: [input],
      output: join(dir, 'run'),
      overwrite: false,
      shards: 3,
      merge: true,
    };
    const summaries = await runAll(config);
    expect(summaries[1]!.files.map((f) => f.path)).toEqual([
      'train-00001-of-00003.array_record',
      'test-00001-of-00003.array_record',
    ]);
    expect(summaries.flatMap((s) => s.files).reduce((n, f) => n + f.records, 0)).toBe(90);
    const plan = { shards: 3 };
    const result = await probeRowsRun.commit(config, plan, summaries, context);
    expect(result).toEqual({ files: ['train.array_record', 'test.array_record'], merged: true });
    for (const name of ['train.array_record', 'test.array_record'])
      expect(await sha256(join(config.output, name))).toBe(await sha256(join(one, name)));
    const manifest = await readFile(join(config.output, 'manifest.json'), 'utf8');
    // A second commit (a duplicate delivery) finds its output complete and ends the same way, untouched.
    expect(await probeRowsRun.commit(config, plan, summaries, context)).toEqual(result);
    expect(await readFile(join(config.output, 'manifest.json'), 'utf8')).toBe(manifest);
  }, 60_000);

  it('a shard file changed after its shard: the commit fails naming it, writes no manifest', async () => {
    const config: ProbeRowsRunConfig = {
      input: [input],
      output: join(dir, 'changed'),
      overwrite: false,
      shards: 2,
      merge: false,
    };
    const summaries = await runAll(config);
    await appendFile(join(config.output, 'test-00001-of-00002.array_record'), 'x');
    const error = await probeRowsRun
      .commit(config, { shards: 2 }, summaries, context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrepkitError);
    expect(error).toMatchObject({ kind: 'input' });
    expect((error as Error).message).toMatch(
      /test-00001-of-00002\.array_record: .*changed after shard 1 wrote it/,
    );
    await expect(verify(config.output)).rejects.toThrow(/no manifest/);
  }, 60_000);

  it('a missing column or unreadable input is an input error at the plan, naming it', async () => {
    const base: ProbeRowsRunConfig = {
      input: [input],
      output: join(dir, 'x'),
      overwrite: false,
      shards: 2,
      merge: false,
    };
    await expect(probeRowsRun.plan({ ...base, orderBy: 'nope' }, context)).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining('--order-by column "nope"') as unknown,
    });
    const missing = join(dir, 'missing.parquet');
    await expect(probeRowsRun.plan({ ...base, input: [missing] }, context)).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining(missing) as unknown,
    });
  });
});
