import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorKind } from '@prepkit/bench-harness/errors';
import { openDuckDB } from '@prepkit/db-cursors';
import { memoryLimitSetting } from '../src/duckdb.js';
import { OutOfMemoryError, OutputExistsError, buildProbeRows, generateMeasurements } from '../src/index.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-failures-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 500, probes: 20, output: input });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--memory-limit-gb', () => {
  it.each([
    [2, '2.0 GiB'],
    [1.5, '1.5 GiB'],
    [0.25, '256.0 MiB'],
  ])('%d GiB is what DuckDB reports back as %s', async (gib, reported) => {
    await using db = await openDuckDB({ memoryLimit: memoryLimitSetting(gib) });
    const [row] = await db.rows("SELECT current_setting('memory_limit') AS limit");
    expect(row?.limit).toBe(reported);
  });

  it('reports DuckDB running out of memory as that, with what to do, not as unreadable input', async () => {
    const output = join(dir, 'oom');
    const error = await buildProbeRows({ input, output, memoryLimitGb: 1e-6 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(errorKind(error)).toBe('environment');
    expect((error as Error).message).toMatch(
      /^DuckDB ran out of memory under its 0.000001 GiB limit \(Out of Memory Error: .*\); raise --memory-limit-gb$/,
    );
    expect(await readdir(output)).toEqual([]);
  });
});

describe('an existing output', () => {
  it('is refused without overwrite, naming the file, and replaced with it', async () => {
    const output = join(dir, 'existing');
    await mkdir(output);
    await writeFile(join(output, 'test.array_record'), 'old');
    const error = await buildProbeRows({ input, output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputExistsError);
    expect((error as Error).message).toBe(
      `${join(output, 'test.array_record')} exists; pass --overwrite to replace it`,
    );
    const result = await buildProbeRows({ input, output, overwrite: true, mode: 'sequential' });
    expect(result.train.probes + result.test.probes).toBe(20);
    expect((await readdir(output)).sort()).toEqual([
      'manifest.json',
      'test.array_record',
      'train.array_record',
    ]);
  });
});
