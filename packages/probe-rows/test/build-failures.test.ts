import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorKind } from '@prepkit/bench-harness/errors';
import { openDuckDB } from '@prepkit/db-cursors';
import { verify } from '@prepkit/record-io';
import { memoryLimitSetting } from '../src/duckdb.js';
import {
  OutOfMemoryError,
  OutputExistsError,
  ProbeRowsInputError,
  buildProbeRows,
  generateMeasurements,
} from '../src/index.js';

const execFileAsync = promisify(execFile);

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
    // DuckDB ran out of memory while the input was checked, before the output was touched.
    expect(existsSync(output)).toBe(false);
  });
});

describe('an existing output', () => {
  it('is refused without overwrite when complete, naming the file, and replaced with it', async () => {
    const output = join(dir, 'existing');
    await buildProbeRows({ input, output, mode: 'sequential', seed: 1 });
    const before = await readFile(join(output, 'manifest.json'), 'utf8');
    const error = await buildProbeRows({ input, output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputExistsError);
    expect(errorKind(error)).toBe('config');
    expect((error as Error).message).toBe(
      `${join(output, 'train.array_record')} exists; pass --overwrite to replace it`,
    );
    expect(await readFile(join(output, 'manifest.json'), 'utf8')).toBe(before);
    const result = await buildProbeRows({ input, output, overwrite: true, mode: 'sequential' });
    expect(result.train.probes + result.test.probes).toBe(20);
    expect((await readdir(output)).sort()).toEqual([
      'manifest.json',
      'test.array_record',
      'train.array_record',
    ]);
    expect((await verify(output)).ok).toBe(true);
  });

  it("replaces an interrupted run's files (no manifest) without overwrite, and removes dead runs' temporaries", async () => {
    const output = join(dir, 'leftovers');
    await mkdir(output);
    // What a SIGKILL during the commit leaves: one new file renamed, no manifest, and the dead run's
    // temporaries: a writer's file and its scratch directory (DuckDB's spill files, the sorted copy).
    await writeFile(join(output, 'train.array_record'), 'from a killed run');
    const dead = await deadRunTemporaries(output);
    expect(dead).toHaveLength(2);
    const result = await buildProbeRows({ input, output, mode: 'parallel', threads: 2 });
    expect(result.train.probes + result.test.probes).toBe(20);
    expect((await readdir(output)).sort()).toEqual([
      'manifest.json',
      'test.array_record',
      'train.array_record',
    ]);
    expect((await verify(output)).ok).toBe(true);
  });
});

describe('an input without rows', () => {
  it('is refused with one line naming it, and the output is not touched', async () => {
    const empty = join(dir, 'empty.parquet');
    await using db = await openDuckDB();
    await db.run(`COPY (SELECT * FROM read_parquet('${input}') LIMIT 0) TO '${empty}' (FORMAT parquet)`);
    const output = join(dir, 'no-rows');
    const error = await buildProbeRows({ input: empty, output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeRowsInputError);
    expect((error as Error).message).toBe(`no rows in ${empty}`);
    expect(existsSync(output)).toBe(false);
  });

  it('counts rows whose keys are all NULL as none, saying so', async () => {
    const nulls = join(dir, 'null-keys.parquet');
    await using db = await openDuckDB();
    await db.run(
      `COPY (SELECT * REPLACE (NULL::VARCHAR AS src_addr) FROM read_parquet('${input}')) TO '${nulls}' (FORMAT parquet)`,
    );
    const error = await buildProbeRows({ input: nulls, output: join(dir, 'null-keys') }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      `no rows to build in ${nulls}: all 500 rows have a NULL --group-by column "src_addr"`,
    );
  });
});

describe('an output location that cannot take the output', () => {
  it('names an existing file given as --output', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const error = await buildProbeRows({ input, output: file }).catch((e: unknown) => e);
    expect(errorKind(error)).toBe('environment');
    expect((error as Error).message).toBe(`${file}: a file stands where a directory is needed`);
    expect(await readFile(file, 'utf8')).toBe('not a directory');
  });
});

/** Leaves in `dir` what a killed run leaves: a writer's temporary and a scratch directory, under a dead pid. */
async function deadRunTemporaries(dir: string): Promise<string[]> {
  const script = `
    import { mkdir, writeFile } from 'node:fs/promises';
    import { join } from 'node:path';
import { promisify } from 'node:util';
    import { openAtomicFile, temporaryPathFor } from '@prepkit/record-io';
    const file = await openAtomicFile(join(process.argv[1], 'test.array_record'));
    await file.write('half a file');
    const scratch = temporaryPathFor(join(process.argv[1], 'scratch'));
    await mkdir(scratch);
    await writeFile(join(scratch, 'duckdb_temp_storage-0.tmp'), 'spilled');
    process.exit(0);`;
  await execFileAsync(process.execPath, ['--input-type=module', '-e', script, dir]);
  return (await readdir(dir)).filter((name) => name.startsWith('.'));
}
