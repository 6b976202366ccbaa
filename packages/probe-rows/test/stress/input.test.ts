// Guards against bad input giving a stack trace, a silent wrong output or an output that looks complete but is
// empty: a corpus of broken, empty, odd and extreme Parquet inputs, generated here, each with its outcome pinned:
// the right output, or exit code 2 with one line naming the file or column and what is wrong. Also hostile
// names: column names and paths that would break SQL if they were not quoted.
import { readFile, truncate, writeFile, mkdtemp, rm, copyFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { ArrayRecordReader, verify } from '@prepkit/record-io';
import { main } from '../../src/cli/main.js';
import { generateMeasurements } from '../../src/index.js';
import { OUTPUT_FILES, SPLIT_FILES, digests } from './build-runs.js';
import { capture } from '../capture.js';

let dir: string;
let good: string;
let db: DuckDB;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-input-'));
  good = join(dir, 'good.parquet');
  await generateMeasurements({ measurements: 2000, probes: 40, output: good, seed: 8 });
  db = await openDuckDB();
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** A Parquet file of `select` (over the good input as `m`). */
async function parquet(name: string, select: string): Promise<string> {
  const path = join(dir, name);
  await db.run(
    `COPY (WITH m AS (SELECT * FROM read_parquet('${good}')) ${select}) TO '${path}' (FORMAT parquet)`,
  );
  return path;
}

/** Runs `probe-rows build` on `input`; returns exit code, stderr lines and the output directory. */
async function build(input: string, ...flags: string[]) {
  const output = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = capture();
  const code = await main(
    ['build', '--input', input, '--output', output, '--threads', '2', '--json', ...flags],
    r.io,
  );
  return {
    code,
    err: r.err
      .join('')
      .split('\n')
      .filter((l) => l !== ''),
    output,
    stdout: r.out.join(''),
  };
}

const ERROR_CASES: [string, () => Promise<string>, (input: string) => RegExp][] = [
  [
    'a truncated Parquet file',
    async () => {
      const path = join(dir, 'truncated.parquet');
      await copyFile(good, path);
      await truncate(path, Math.floor((await readFile(good)).length / 2));
      return path;
    },
    (input) =>
      new RegExp(`^probe-rows: cannot read the input ${input}: Invalid Input Error: No magic bytes found`),
  ],
  [
    'a Parquet file whose data pages are overwritten',
    async () => {
      const path = join(dir, 'corrupt.parquet');
      await copyFile(good, path);
      const bytes = await readFile(path);
      const file = await open(path, 'r+');
      // The middle of the file is column data; the footer (schema, offsets) stays intact.
      await file.write(Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(bytes.length / 3));
      await file.close();
      return path;
    },
    (input) =>
      new RegExp(
        `^probe-rows: cannot read the input ${input}: Invalid Input Error: Failed to read file .*: ZSTD Decompression failure$`,
      ),
  ],
  [
    'an empty file (0 bytes)',
    async () => {
      const path = join(dir, 'zero-bytes.parquet');
      await writeFile(path, '');
      return path;
    },
    (input) => new RegExp(`^probe-rows: cannot read the input ${input}: .*too small to be a Parquet file`),
  ],
  [
    'a CSV file named .parquet',
    async () => {
      const path = join(dir, 'not-parquet.parquet');
      await writeFile(path, 'src_addr,event_time\n10.0.0.1,2024-01-01\n');
      return path;
    },
    (input) =>
      new RegExp(`^probe-rows: cannot read the input ${input}: Invalid Input Error: No magic bytes found`),
  ],
  [
    'a Parquet file with no rows',
    () => parquet('no-rows.parquet', 'SELECT * FROM m LIMIT 0'),
    (input) => new RegExp(`^probe-rows: no rows in ${input}$`),
  ],
  [
    'rows whose keys are all NULL',
    () => parquet('all-null-keys.parquet', 'SELECT * REPLACE (NULL::VARCHAR AS src_addr) FROM m'),
    (input) =>
      new RegExp(
        `^probe-rows: no rows to build in ${input}: all 2000 rows have a NULL --group-by column "src_addr"$`,
      ),
  ],
  [
    'no key column',
    () => parquet('no-key.parquet', 'SELECT * EXCLUDE (src_addr) FROM m'),
    () =>
      /^probe-rows: --group-by column "src_addr" is not in the input \(columns: prb_id, dst_addr, event_time, /,
  ],
  [
    'no time column',
    () => parquet('no-time.parquet', 'SELECT * EXCLUDE (event_time) FROM m'),
    () =>
      /^probe-rows: --order-by column "event_time" is not in the input \(columns: prb_id, src_addr, dst_addr, /,
  ],
  [
    'a key of the wrong type (DOUBLE)',
    () => parquet('double-key.parquet', 'SELECT * REPLACE (rtt_avg AS src_addr) FROM m'),
    () =>
      /^probe-rows: --group-by column "src_addr" has type float64; use an integer, text or timestamp key$/,
  ],
  [
    'a column of a type records cannot carry (a list)',
    () => parquet('list-column.parquet', 'SELECT *, [ttl, ttl] AS hops FROM m'),
    () => /^probe-rows: column "hops" has type INTEGER\[\], which probe-rows cannot carry into Arrow records/,
  ],
  [
    'a glob that matches nothing',
    () => Promise.resolve(join(dir, 'nothing-*.parquet')),
    (input) =>
      new RegExp(
        `^probe-rows: cannot read the input ${input.replace('*', '\\*')}: .*No files found that match the pattern`,
      ),
  ],
];

describe('probe-rows build', () => {
  it.each(ERROR_CASES)('[input] %s: exit 2, one line naming it', async (_what, make, expected) => {
    const input = await make();
    const run = await build(input);
    expect(run.code).toBe(2);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(expected(input));
  });

  it('[input] NULL keys among others: those rows are dropped and counted, the rest built', async () => {
    const input = await parquet(
      'some-null-keys.parquet',
      'SELECT * REPLACE (CASE WHEN hash(src_addr) % 4 = 0 THEN NULL ELSE src_addr END AS src_addr) FROM m',
    );
    const [expected] = await db.rows(
      `SELECT count(*) FILTER (WHERE src_addr IS NULL) AS nulls, count(DISTINCT src_addr) AS probes FROM '${input}'`,
    );
    expect(Number(expected!.nulls)).toBeGreaterThan(0);
    const run = await build(input);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { counters: Record<string, number> };
    expect(report.counters.null_key_rows_dropped).toBe(Number(expected!.nulls));
    expect(report.counters.train_probes! + report.counters.test_probes!).toBe(Number(expected!.probes));
    expect(report.counters.train_measurements! + report.counters.test_measurements!).toBe(
      2000 - Number(expected!.nulls),
    );
  });

  it('[input] duplicated, out-of-order and NULL timestamps: each probe in time order, ties by the other columns, the same bytes in every mode', async () => {
    const input = join(dir, 'disordered.parquet');
    // Three probes; rows written newest first, with exact duplicates and equal times that differ elsewhere.
    await db.run(`COPY (
        SELECT 'p' || (i % 3) AS src_addr,
               CASE WHEN i % 17 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' + to_seconds(((300 - i) // 4)::BIGINT) END AS event_time,
               (i % 5)::INTEGER AS ttl
        FROM range(300) t(i), range(2) d(copy)
        ORDER BY i DESC) TO '${input}' (FORMAT parquet)`);
    const hashes = [];
    for (const mode of ['sequential', 'parallel', 'streaming']) {
      const run = await build(input, '--mode', mode, '--test-fraction', '0');
      expect(run.code).toBe(0);
      expect((await verify(run.output)).ok).toBe(true);
      hashes.push(await digests(run.output, SPLIT_FILES));
      if (mode !== 'sequential') continue;
      await using reader = await ArrayRecordReader.open(join(run.output, 'train.array_record'));
      expect(reader.length).toBe(3);
      let rows = 0;
      for await (const record of reader) {
        const table = tableFromIPC(record);
        rows += table.numRows;
        const times = table.getChild('event_time')!.toArray() as (bigint | number | null)[];
        const ttls = table.getChild('ttl')!.toArray() as Int32Array;
        const timeAt = (i: number) =>
          table.getChild('event_time')!.isValid(i) ? Number(times[i]) : Infinity;
        for (let i = 1; i < table.numRows; i++) {
          expect(timeAt(i)).toBeGreaterThanOrEqual(timeAt(i - 1));
          if (timeAt(i) === timeAt(i - 1)) expect(ttls[i]).toBeGreaterThanOrEqual(ttls[i - 1]!);
        }
      }
      expect(rows).toBe(600);
    }
    expect(hashes[1]).toEqual(hashes[0]);
    expect(hashes[2]).toEqual(hashes[0]);
  });

  it('[input] a probe with 1,000,000 measurements: one record holding them all', async () => {
    const input = join(dir, 'one-big-probe.parquet');
    await db.run(`COPY (
        SELECT CASE WHEN i < 1000000 THEN 'big' ELSE 'small-' || (i % 3) END AS src_addr,
               TIMESTAMP '2024-01-01' + to_seconds(((i * 7919) % 1000003)::BIGINT) AS event_time,
               (i % 250)::DOUBLE AS rtt_avg
        FROM range(1000030) t(i)) TO '${input}' (FORMAT parquet)`);
    const run = await build(input, '--test-fraction', '0');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { counters: Record<string, number> };
    expect(report.counters.train_probes).toBe(4);
    expect(report.counters.train_measurements).toBe(1_000_030);
    await using reader = await ArrayRecordReader.open(join(run.output, 'train.array_record'));
    const sizes: number[] = [];
    for await (const record of reader) sizes.push(tableFromIPC(record).numRows);
    expect(sizes).toEqual([1_000_000, 10, 10, 10]);
  });

  it('[input] a bad input with --overwrite over an earlier output: exit 2, the earlier output as it was', async () => {
    const earlier = await build(good);
    expect(earlier.code).toBe(0);
    const before = await digests(earlier.output, OUTPUT_FILES);
    const bad = await parquet('no-rows-again.parquet', 'SELECT * FROM m LIMIT 0');
    const r = capture();
    const argv = ['build', '--input', bad, '--output', earlier.output, '--overwrite'];
    expect(await main(argv, r.io)).toBe(2);
    expect(r.err).toEqual([`probe-rows: no rows in ${bad}\n`]);
    expect(await digests(earlier.output, OUTPUT_FILES)).toEqual(before);
  });

  it('[names] hostile column names as --group-by and --order-by: quoted, carried into the records as they are', async () => {
    const key = 'src"; DROP TABLE m; --';
    const time = 'it\'s "time"';
    const input = await parquet(
      'hostile-names.parquet',
      `SELECT src_addr AS "${key.replace(/"/g, '""')}", event_time AS "${time.replace(/"/g, '""')}", rtt_avg FROM m`,
    );
    const run = await build(input, '--group-by', key, '--order-by', time, '--mode', 'streaming');
    expect(run.err.filter((line) => line.startsWith('probe-rows:'))).toEqual([]);
    expect(run.code).toBe(0);
    await using reader = await ArrayRecordReader.open(join(run.output, 'train.array_record'));
    const first = tableFromIPC(await reader.get(0));
    expect(first.schema.fields.map((f) => f.name)).toEqual([key, time, 'rtt_avg']);
  });

  it("[names] an output directory with a quote in its name (DuckDB's COPY target and temp_directory are literals)", async () => {
    const output = join(dir, "it's here");
    const r = capture();
    const argv = [
      'build',
      '--input',
      good,
      '--output',
      output,
      '--mode',
      'streaming',
      '--memory-limit-gb',
      '0.05',
      '-q',
    ];
    expect(await main(argv, r.io)).toBe(0);
    expect(r.err).toEqual([]);
    expect((await verify(output)).ok).toBe(true);
  });

  it('[input] --output naming an existing file: exit 2, one line', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'keep me');
    const r = capture();
    expect(await main(['build', '--input', good, '--output', file], r.io)).toBe(2);
    expect(r.err).toEqual([`probe-rows: ${file}: a file stands where a directory is needed\n`]);
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });
});
