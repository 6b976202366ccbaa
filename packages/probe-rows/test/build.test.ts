import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunReporter } from '@prepkit/bench-harness';
import { openDuckDB } from '@prepkit/db-cursors';
import { ArrayRecordReader, shardOf } from '@prepkit/record-io';
import { ProbeRowsInputError, buildProbeRows, generateMeasurements, splitOf } from '../src/index.js';
import type { BuildOptions } from '../src/index.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 6000, probes: 150, output: input, seed: 3 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function build(name: string, options: Partial<BuildOptions> = {}) {
  const output = join(dir, name);
  const result = await buildProbeRows({ input, output, ...options });
  return { output, result, train: await sha(result.train.files[0]!), test: await sha(result.test.files[0]!) };
}

async function records(path: string) {
  await using reader = await ArrayRecordReader.open(path);
  const out = [];
  for await (const record of reader) out.push(tableFromIPC(record));
  return out;
}

describe('buildProbeRows', () => {
  it('writes byte-identical files in every mode, whatever the workers and partition size', async () => {
    const reference = await build('sequential', { mode: 'sequential' });
    const variants = await Promise.all([
      build('parallel-1', { mode: 'parallel', threads: 1 }),
      build('streaming-2', { mode: 'streaming', threads: 2 }),
    ]);
    variants.push(await build('streaming-small', { mode: 'streaming', threads: 2, partitionRows: 97 }));
    variants.push(await build('parallel-small', { mode: 'parallel', threads: 2, partitionRows: 50 }));
    for (const v of variants) {
      expect(v.train).toBe(reference.train);
      expect(v.test).toBe(reference.test);
    }
    expect(reference.result.train.probes + reference.result.test.probes).toBe(150);
    expect(reference.result.train.measurements + reference.result.test.measurements).toBe(6000);
  }, 60_000);

  it('writes one record per probe: key-ordered, rows in time order, split by the stable key hash', async () => {
    const { result } = await build('check', { testFraction: 0.3, seed: 9 });
    const train = await records(result.train.files[0]!);
    const test = await records(result.test.files[0]!);
    expect(train.length).toBe(result.train.probes);
    expect(test.length).toBe(result.test.probes);
    for (const [tables, side] of [
      [train, 'train'],
      [test, 'test'],
    ] as const) {
      const keys = tables.map((t) => t.getChild('src_addr')!.get(0) as string);
      expect([...keys].sort()).toEqual(keys);
      for (const t of tables) {
        const key = t.getChild('src_addr')!;
        expect(new Set(key.toArray() as string[]).size).toBe(1);
        expect(splitOf(key.get(0) as string, 9, 0.3)).toBe(side);
        const times = Array.from(t.getChild('event_time')!.toArray() as BigInt64Array | Float64Array, Number);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(t.schema.fields.map((f) => f.name)).toEqual([
          'src_addr',
          'prb_id',
          'dst_addr',
          'event_time',
          'msm_id',
          'rtt_min',
          'rtt_avg',
          'rtt_max',
          'sent',
          'rcvd',
          'ttl',
        ]);
      }
    }
    // The same rows as DuckDB holds them, counted per probe.
    await using db = await openDuckDB();
    const counts = await db.rows('SELECT src_addr, count(*)::INTEGER AS n FROM read_parquet($1) GROUP BY 1', [
      input,
    ]);
    const ours = new Map(
      [...train, ...test].map((t) => [t.getChild('src_addr')!.get(0) as string, t.numRows]),
    );
    expect(ours).toEqual(new Map(counts.map((r) => [r.src_addr as string, r.n as number])));
    const manifest = JSON.parse(await readFile(join(dir, 'check', 'manifest.json'), 'utf8')) as {
      outputs: { path: string; records: number }[];
    };
    expect(manifest.outputs.map((o) => [o.path, o.records])).toEqual([
      ['train.array_record', result.train.probes],
      ['test.array_record', result.test.probes],
    ]);
  }, 60_000);

  it('puts each probe in --shards file shardOf(key, n), in key order, the same in every mode', async () => {
    const whole = await build('unsharded', { mode: 'streaming' });
    const wholeKeys = (await records(whole.result.train.files[0]!)).map(
      (t) => t.getChild('src_addr')!.get(0) as string,
    );
    const names: string[][] = [];
    for (const mode of ['sequential', 'streaming'] as const) {
      const result = await buildProbeRows({
        input,
        output: join(dir, `sharded-${mode}`),
        mode,
        shards: 3,
        partitionRows: 200,
      });
      expect(result.train.files.map((f) => f.split('/').pop())).toEqual([
        'train-00000-of-00003.array_record',
        'train-00001-of-00003.array_record',
        'train-00002-of-00003.array_record',
      ]);
      const shards = await Promise.all(
        result.train.files.map(async (f) =>
          (await records(f)).map((t) => t.getChild('src_addr')!.get(0) as string),
        ),
      );
      // Shard i holds exactly the keys with shardOf(key, 3) === i, in the one file's order.
      for (const [i, keys] of shards.entries())
        expect(keys).toEqual(wholeKeys.filter((key) => shardOf(key, 3) === i));
      names.push(await Promise.all([...result.train.files, ...result.test.files].map(sha)));
    }
    expect(names[1]).toEqual(names[0]);
  }, 60_000);

  it('drops rows whose key is NULL, and counts them', async () => {
    const withNulls = join(dir, 'nulls.parquet');
    await using db = await openDuckDB();
    await db.run(
      `COPY (SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE 'p' || (i % 7) END AS src_addr, TIMESTAMP '2024-01-01' + to_seconds(i) AS event_time, i AS v FROM range(200) t(i)) TO '${withNulls}' (FORMAT parquet)`,
    );
    const result = await buildProbeRows({ input: withNulls, output: join(dir, 'nulls-out') });
    expect(result.nullKeyRows).toBe(20);
    expect(result.train.measurements + result.test.measurements).toBe(180);
    expect(result.train.probes + result.test.probes).toBe(7);
  }, 60_000);

  it('keeps a probe with 200,000 measurements in one record', async () => {
    const big = join(dir, 'big.parquet');
    await using db = await openDuckDB();
    await db.run(
      `COPY (SELECT 'only' AS src_addr, TIMESTAMP '2024-01-01' + to_microseconds(i) AS event_time, i::DOUBLE AS rtt FROM range(200000) t(i)) TO '${big}' (FORMAT parquet)`,
    );
    const result = await buildProbeRows({
      input: big,
      output: join(dir, 'big-out'),
      testFraction: 0,
      partitionRows: 1000,
    });
    expect(result.train.probes).toBe(1);
    const [table] = await records(result.train.files[0]!);
    expect(table!.numRows).toBe(200_000);
    expect(table!.getChild('rtt')!.get(199_999)).toBe(199_999);
  }, 60_000);
});

describe('buildProbeRows on bad input', () => {
  const expectInputError = async (options: Partial<BuildOptions>, message: string | RegExp) => {
    const error = await buildProbeRows({ input, output: join(dir, 'bad'), ...options }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProbeRowsInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  };

  it('names a missing group or order column', async () => {
    await expectInputError(
      { groupBy: 'probe' },
      '--group-by column "probe" is not in the input (columns: prb_id, src_addr,',
    );
    await expectInputError({ orderBy: 'when' }, '--order-by column "when" is not in the input');
  });

  it('says when the glob matches no file', async () => {
    await expectInputError(
      { input: join(dir, 'nothing-*.parquet') },
      /No files found that match the pattern/,
    );
  });

  it('names a corrupt Parquet file', async () => {
    const corrupt = join(dir, 'corrupt.parquet');
    await writeFile(corrupt, 'PAR1 this is not parquet at all');
    await expectInputError({ input: corrupt }, /cannot read the input .*corrupt\.parquet/);
  });

  it('names a column whose type cannot be carried', async () => {
    const odd = join(dir, 'odd.parquet');
    await using db = await openDuckDB();
    await db.run(
      `COPY (SELECT 'a' AS src_addr, TIMESTAMP '2024-01-01' AS event_time, [1, 2] AS hops) TO '${odd}' (FORMAT parquet)`,
    );
    await expectInputError({ input: odd }, 'column "hops" has type INTEGER[], which probe-rows cannot carry');
  });

  it('leaves no output file behind when interrupted', async () => {
    const controller = new AbortController();
    const output = join(dir, 'interrupted');
    // Abort on the first progress line of the encode phase: records are being written, however slow the machine.
    let encodeProgressLines = 0;
    const reporter = new RunReporter({
      name: 'interrupted build',
      progress: 'lines',
      progressIntervalMs: 0,
      stderr: {
        write(line: string) {
          if (line.startsWith('encode:') && encodeProgressLines++ === 0)
            controller.abort(new Error('interrupted'));
          return true;
        },
      },
    });
    const run = buildProbeRows({ input, output, mode: 'sequential', signal: controller.signal, reporter });
    await expect(run).rejects.toThrow('interrupted');
    expect(encodeProgressLines).toBeGreaterThan(0);
    // Nor hidden temporaries: the writers and the scratch folder are removed too.
    expect(await readdir(output)).toEqual([]);
  });
});
